// The authenticator against a local JWKS with a frozen clock: every refusal has its own stable code, and a good
// token yields the principal. (test/auth/idp.test.ts runs the same against a real OpenID provider.)
import assert from 'node:assert/strict';
import type { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { Authenticator, type AuthRequest } from '../../src/auth/authenticator.ts';
import { RevocationList } from '../../src/auth/revocations.ts';
import { authSchema } from '../../src/config/auth-schema.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { dpopProof } from '../helpers/dpop.ts';
import { startLocalIssuer } from '../helpers/local-issuer.ts';

const RESOURCE = 'https://rampart.test/mcp';
const NOW = Date.parse('2026-11-24T12:00:00Z');
const SEC = Math.floor(NOW / 1000);

describe('authenticator', () => {
  let server: Server;
  let issuer: string;
  let signingKey: webcrypto.CryptoKey;
  let publicJwk: JWK;
  let store: SqliteStore;
  let revocations: RevocationList;
  let dir: string;
  const now = NOW;
  const make = (extra: Record<string, unknown> = {}) =>
    new Authenticator(
      authSchema.parse({
        resource: RESOURCE,
        issuers: [{ issuer }],
        scopes: { required: ['mcp'], tools: { fs__delete: ['admin'] } },
        binding: { servers: { pay: 'dpop' } },
        ...extra,
      }),
      RESOURCE,
      revocations,
      dir,
      () => now,
    );
  const sign = (claims: Record<string, unknown>, options: { kid?: string; key?: webcrypto.CryptoKey } = {}) =>
    new SignJWT({ scope: 'mcp', client_id: 'agent-app', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1', typ: 'at+jwt' })
      .setIssuer(String(claims['iss'] ?? issuer))
      .setAudience(String(claims['aud'] ?? RESOURCE))
      .setSubject(String(claims['sub'] ?? 'alice'))
      .setIssuedAt(SEC)
      .setExpirationTime(Number(claims['exp'] ?? SEC + 600))
      .setJti(String(claims['jti'] ?? `jti-${Math.random()}`))
      .sign(options.key ?? signingKey);
  const request = (token: string, extra: Partial<AuthRequest> = {}): AuthRequest => ({
    authorization: `Bearer ${token}`,
    dpop: undefined,
    httpMethod: 'POST',
    clientCertThumbprint: undefined,
    rpcMethod: 'tools/call',
    server: 'fs',
    tool: 'fs__read',
    ...extra,
  });
  const refusal = async (auth: Authenticator, req: AuthRequest) => {
    try {
      await auth.authenticate(req);
    } catch (err) {
      return (err as { code: string }).code;
    }
    return 'accepted';
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-auth-'));
    store = new SqliteStore(dir);
    revocations = new RevocationList(store);
    const pair = await generateKeyPair('ES256', { extractable: true });
    signingKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => {
    revocations.close();
    store.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts a valid token and builds the principal', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks`, tenant: 'acme' }] });
    const { principal } = await auth.authenticate(request(await sign({ groups: ['dev'], agent: 'claude' })));
    assert.equal(principal.subject, 'alice');
    assert.equal(principal.clientId, 'agent-app');
    assert.equal(principal.agent, 'claude');
    assert.deepEqual(principal.groups, ['dev']);
    assert.equal(principal.tenant, 'acme');
    assert.equal(principal.binding, 'bearer');
  });

  it('refuses each bad token with its own code', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] });
    const good = await sign({});
    const [h, p, s] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    const hs256 = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    const otherKey = (await generateKeyPair('ES256')).privateKey;
    const cases: Array<[string, string]> = [
      [await sign({ exp: SEC - 3600 }), 'RAMPART_TOKEN_EXPIRED'],
      [
        await new SignJWT({ scope: 'mcp' })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience(RESOURCE)
          .setNotBefore(SEC + 3600)
          .setExpirationTime(SEC + 7200)
          .sign(signingKey),
        'RAMPART_TOKEN_NOT_YET_VALID',
      ],
      [await sign({ aud: 'https://other.example/mcp' }), 'RAMPART_TOKEN_WRONG_AUDIENCE'],
      [await sign({ iss: 'https://evil.example' }), 'RAMPART_TOKEN_WRONG_ISSUER'],
      [none, 'RAMPART_TOKEN_ALG_NOT_ALLOWED'],
      [hs256, 'RAMPART_TOKEN_ALG_NOT_ALLOWED'],
      [await sign({}, { kid: 'unknown-kid', key: otherKey }), 'RAMPART_TOKEN_UNKNOWN_KEY'],
      [`${h}.${p}.${s!.slice(0, -4)}AAAA`, 'RAMPART_TOKEN_BAD_SIGNATURE'],
      [await sign({ scope: 'other' }), 'RAMPART_INSUFFICIENT_SCOPE'],
      ['not-a-token', 'RAMPART_TOKEN_MALFORMED'],
    ];
    for (const [token, code] of cases) assert.equal(await refusal(auth, request(token)), code, code);
    assert.equal(
      await refusal(auth, { ...request(good), authorization: undefined }),
      'RAMPART_TOKEN_MISSING',
    );
    assert.equal(await refusal(auth, request(good, { tool: 'fs__delete' })), 'RAMPART_INSUFFICIENT_SCOPE');
  });

  it('refuses a revoked token and a disabled subject at once, even when cached', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] });
    const token = await sign({ jti: 'to-revoke' });
    assert.equal(await refusal(auth, request(token)), 'accepted');
    revocations.revokeToken('to-revoke');
    assert.equal(await refusal(auth, request(token)), 'RAMPART_TOKEN_REVOKED');
    const other = await sign({ sub: 'mallory' });
    assert.equal(await refusal(auth, request(other)), 'accepted');
    revocations.disableSubject(issuer, 'mallory');
    assert.equal(await refusal(auth, request(other)), 'RAMPART_SUBJECT_DISABLED');
  });

  it('enforces DPoP: proof, replay, target, key match, scheme, and required binding', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] });
    const holder = await generateKeyPair('ES256', { extractable: true });
    const jkt = await calculateJwkThumbprint(await exportJWK(holder.publicKey));
    const token = await sign({ cnf: { jkt } });
    const proof = (extra: Record<string, unknown> = {}) =>
      dpopProof({ key: holder, htm: 'POST', htu: RESOURCE, accessToken: token, iat: SEC, ...extra });
    const dpopReq = async (extra: Record<string, unknown> = {}, scheme = 'DPoP') =>
      request(token, { authorization: `${scheme} ${token}`, dpop: await proof(extra) });
    const ok = await dpopReq();
    const { principal } = await auth.authenticate(ok);
    assert.equal(principal.binding, 'dpop');
    assert.equal(await refusal(auth, ok), 'RAMPART_DPOP_REPLAYED');
    assert.equal(await refusal(auth, await dpopReq({ htm: 'GET' })), 'RAMPART_DPOP_WRONG_TARGET');
    assert.equal(
      await refusal(auth, await dpopReq({ htu: 'https://rampart.test/other' })),
      'RAMPART_DPOP_WRONG_TARGET',
    );
    assert.equal(await refusal(auth, await dpopReq({}, 'Bearer')), 'RAMPART_DPOP_REQUIRED');
    const intruder = await generateKeyPair('ES256', { extractable: true });
    assert.equal(await refusal(auth, await dpopReq({ key: intruder })), 'RAMPART_DPOP_KEY_MISMATCH');
    assert.equal(await refusal(auth, await dpopReq({ iat: SEC - 3600 })), 'RAMPART_DPOP_INVALID');
    const bearer = await sign({});
    assert.equal(
      await refusal(auth, request(bearer, { server: 'pay', tool: 'pay__charge' })),
      'RAMPART_DPOP_REQUIRED',
    );
    assert.equal(
      await refusal(
        make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }], binding: { require: 'dpop' } }),
        request(bearer),
      ),
      'RAMPART_DPOP_REQUIRED',
    );
  });

  it('accepts tokens of several issuers (tenants), each with its own claim paths and tenant', async () => {
    const second = await startLocalIssuer(RESOURCE, () => now);
    try {
      const auth = make({
        issuers: [
          { issuer, jwksUri: `${issuer}/jwks`, tenant: 'acme' },
          {
            issuer: second.issuer,
            jwksUri: second.jwksUri,
            claims: { groups: 'realm.groups', tenant: 'org' },
          },
        ],
      });
      const a = await auth.authenticate(request(await sign({})));
      assert.equal(a.principal.tenant, 'acme');
      const b = await auth.authenticate(
        request(await second.sign({ org: 'globex', realm: { groups: ['ops'] } })),
      );
      assert.equal(b.principal.issuer, second.issuer);
      assert.equal(b.principal.tenant, 'globex');
      assert.deepEqual(b.principal.groups, ['ops']);
    } finally {
      await second.stop();
    }
  });

  it('requires the scopes of the method and of the server, and names all of them', async () => {
    const auth = make({
      issuers: [{ issuer, jwksUri: `${issuer}/jwks` }],
      scopes: { required: ['mcp'], methods: { 'resources/read': ['read'] }, servers: { fs: ['fs'] } },
    });
    const token = await sign({ scope: 'mcp fs' });
    assert.equal(await refusal(auth, request(token)), 'accepted');
    try {
      await auth.authenticate(request(token, { rpcMethod: 'resources/read' }));
      assert.fail('expected a refusal');
    } catch (err) {
      assert.equal((err as { code: string }).code, 'RAMPART_INSUFFICIENT_SCOPE');
      assert.deepEqual((err as { scope: string[] }).scope, ['mcp', 'read', 'fs']);
    }
  });

  it('demands a server nonce when configured and accepts a proof that carries it', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }], dpop: { requireNonce: true } });
    const holder = await generateKeyPair('ES256', { extractable: true });
    const jkt = await calculateJwkThumbprint(await exportJWK(holder.publicKey));
    const token = await sign({ cnf: { jkt } });
    const proof = (nonce?: string) =>
      dpopProof({
        key: holder,
        htm: 'POST',
        htu: RESOURCE,
        accessToken: token,
        iat: SEC,
        ...(nonce ? { nonce } : {}),
      });
    let nonce: string | undefined;
    try {
      await auth.authenticate(request(token, { authorization: `DPoP ${token}`, dpop: await proof() }));
      assert.fail('expected a nonce challenge');
    } catch (err) {
      assert.equal((err as { code: string }).code, 'RAMPART_DPOP_NONCE_REQUIRED');
      nonce = (err as { dpopNonce: string }).dpopNonce;
    }
    assert.ok(nonce);
    const { principal } = await auth.authenticate(
      request(token, { authorization: `DPoP ${token}`, dpop: await proof(nonce) }),
    );
    assert.equal(principal.binding, 'dpop');
    assert.equal(
      await refusal(
        auth,
        request(token, { authorization: `DPoP ${token}`, dpop: await proof('forged.nonce') }),
      ),
      'RAMPART_DPOP_NONCE_REQUIRED',
    );
  });

  it('refreshes the JWKS for an unknown kid at most once per jwksRefreshMinMs', async () => {
    const fresh = await startLocalIssuer(RESOURCE, () => now);
    try {
      const auth = make({
        issuers: [{ issuer: fresh.issuer, jwksUri: fresh.jwksUri }],
        jwksRefreshMinMs: 60_000,
      });
      assert.equal(await refusal(auth, request(await fresh.sign({}))), 'accepted');
      assert.equal(fresh.jwksFetches(), 1);
      const rogue = (await generateKeyPair('ES256')).privateKey;
      for (let i = 0; i < 5; i++) {
        assert.equal(
          await refusal(auth, request(await fresh.sign({}, { kid: `rotated-${i}`, key: rogue }))),
          'RAMPART_TOKEN_UNKNOWN_KEY',
        );
      }
      assert.equal(fresh.jwksFetches(), 1, 'unknown kids within the cool-down do not hit the JWKS endpoint');
      const eager = make({
        issuers: [{ issuer: fresh.issuer, jwksUri: fresh.jwksUri }],
        jwksRefreshMinMs: 1,
      });
      await refusal(eager, request(await fresh.sign({})));
      await new Promise((r) => setTimeout(r, 5));
      await refusal(eager, request(await fresh.sign({}, { kid: 'new-kid', key: rogue })));
      assert.equal(fresh.jwksFetches(), 3, 'after the cool-down an unknown kid refreshes the JWKS');
    } finally {
      await fresh.stop();
    }
  });

  it('refuses a DPoP proof made for another access token (ath)', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] });
    const holder = await generateKeyPair('ES256', { extractable: true });
    const jkt = await calculateJwkThumbprint(await exportJWK(holder.publicKey));
    const token = await sign({ cnf: { jkt } });
    const other = await sign({ cnf: { jkt } });
    const proof = await dpopProof({ key: holder, htm: 'POST', htu: RESOURCE, accessToken: other, iat: SEC });
    assert.equal(
      await refusal(auth, request(token, { authorization: `DPoP ${token}`, dpop: proof })),
      'RAMPART_DPOP_INVALID',
    );
  });

  it('enforces certificate binding (cnf.x5t#S256)', async () => {
    const auth = make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }] });
    const token = await sign({ cnf: { 'x5t#S256': 'thumb-A' } });
    assert.equal(await refusal(auth, request(token)), 'RAMPART_MTLS_REQUIRED');
    assert.equal(
      await refusal(auth, request(token, { clientCertThumbprint: 'thumb-B' })),
      'RAMPART_MTLS_CERT_MISMATCH',
    );
    const { principal } = await auth.authenticate(request(token, { clientCertThumbprint: 'thumb-A' }));
    assert.equal(principal.binding, 'mtls');
    assert.equal(
      await refusal(
        make({ issuers: [{ issuer, jwksUri: `${issuer}/jwks` }], binding: { require: 'mtls' } }),
        request(await sign({})),
      ),
      'RAMPART_MTLS_REQUIRED',
    );
  });
});
