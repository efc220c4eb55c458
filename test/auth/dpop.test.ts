// DPoP proof verification (RFC 9449 §4.3) in isolation, with a frozen clock: signature, key material, algorithms.
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { DpopVerifier } from '../../src/auth/dpop.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const URL = 'https://rampart.test/mcp';
const TOKEN = 'access-token';

function verifier(): DpopVerifier {
  return new DpopVerifier({
    algorithms: ['ES256', 'PS256', 'RS256', 'EdDSA'],
    iatWindowSec: 60,
    requireNonce: false,
    nonceKey: Buffer.alloc(32, 1),
    now: () => NOW,
  });
}

async function proof(
  alg: 'ES256' | 'PS256' | 'RS256' | 'EdDSA',
  options: { jwkExtra?: Record<string, unknown> } = {},
) {
  const pair = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), ...options.jwkExtra };
  const token = await new SignJWT({
    htm: 'POST',
    htu: URL,
    jti: randomUUID(),
    ath: createHash('sha256').update(TOKEN).digest('base64url'),
  })
    .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk })
    .setIssuedAt(Math.floor(NOW / 1000))
    .sign(pair.privateKey);
  return { token, jkt: await calculateJwkThumbprint(await exportJWK(pair.publicKey)) };
}

const check = (token: string) => ({ proof: token, method: 'POST', url: URL, accessToken: TOKEN });
const code = async (work: Promise<unknown>) =>
  work.then(
    () => 'accepted',
    (err: { code: string }) => err.code,
  );

describe('DPoP proof verification', () => {
  it('accepts proofs signed with ES256, PS256, RS256 and EdDSA and returns the key thumbprint', async () => {
    for (const alg of ['ES256', 'PS256', 'RS256', 'EdDSA'] as const) {
      const { token, jkt } = await proof(alg);
      assert.equal(await verifier().verify(check(token)), jkt, alg);
    }
  });

  it('refuses a tampered signature, a changed payload, and a proof whose header carries a private key', async () => {
    const v = verifier();
    const { token } = await proof('ES256');
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal(await code(v.verify(check(flipped))), 'RAMPART_DPOP_INVALID');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    const changed = `${h}.${Buffer.from(JSON.stringify({ ...payload, htu: 'https://evil.test/mcp' })).toString('base64url')}.${s}`;
    assert.equal(await code(v.verify(check(changed))), 'RAMPART_DPOP_INVALID');
    const withPrivate = await proof('ES256', { jwkExtra: { d: 'AAAA' } });
    assert.equal(await code(v.verify(check(withPrivate.token))), 'RAMPART_DPOP_INVALID');
  });

  it('refuses an algorithm outside the allowlist, alg none, and garbage', async () => {
    const v = new DpopVerifier({
      algorithms: ['ES256'],
      iatWindowSec: 60,
      requireNonce: false,
      nonceKey: Buffer.alloc(32),
      now: () => NOW,
    });
    const { token } = await proof('RS256');
    assert.equal(await code(v.verify(check(token))), 'RAMPART_DPOP_INVALID');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'dpop+jwt' })).toString('base64url')}.e30.`;
    assert.equal(await code(v.verify(check(none))), 'RAMPART_DPOP_INVALID');
    assert.equal(await code(v.verify(check('not.a.proof'))), 'RAMPART_DPOP_INVALID');
  });
});
