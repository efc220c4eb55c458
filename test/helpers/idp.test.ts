// The test IdP (a real oidc-provider) and the throwaway PKI do what the integration tests rely on: JWT tokens that
// verify against the published JWKS, DPoP and certificate binding, introspection and revocation of opaque tokens,
// token exchange, key rotation, and certificates that work in a real mTLS handshake.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { makePki, type Pki } from './certs.ts';
import { generateDpopKey, type Idp, IdpError, jwkThumbprint, startIdp } from './idp.ts';

const RESOURCE = 'http://127.0.0.1:8443/mcp';
const OTHER = 'https://payments.internal/api';

describe('test IdP (oidc-provider)', () => {
  let idp: Idp;
  let pki: Pki;

  before(async () => {
    idp = await startIdp({ resource: RESOURCE, extraResources: [OTHER] });
    pki = makePki();
  });
  after(async () => {
    await idp.stop();
    pki.remove();
  });

  const verify = (token: string, audience = RESOURCE) =>
    jwtVerify(token, createRemoteJWKSet(new URL(idp.jwksUri)), {
      issuer: idp.issuer,
      audience,
      typ: 'at+jwt',
    });

  it('publishes the endpoints the helper names', async () => {
    const meta = (await (await fetch(idp.discoveryUrl)).json()) as Record<string, unknown>;
    assert.equal(meta['issuer'], idp.issuer);
    assert.equal(meta['jwks_uri'], idp.jwksUri);
    assert.equal(meta['token_endpoint'], idp.tokenEndpoint);
    assert.equal(meta['introspection_endpoint'], idp.introspectionEndpoint);
    assert.equal(meta['revocation_endpoint'], idp.revocationEndpoint);
    assert.match(idp.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('issues RFC 9068 JWT access tokens for the resource that verify against its JWKS', async () => {
    const res = await idp.token({ scope: 'mcp admin' });
    assert.equal(res.token_type, 'Bearer');
    assert.equal(res.expires_in, 600);
    const { payload, protectedHeader } = await verify(res.access_token);
    assert.equal(protectedHeader.kid, idp.signingKey().kid);
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.aud, RESOURCE);
    assert.equal(payload.sub, idp.clients.agent.id);
    assert.equal(payload['client_id'], idp.clients.agent.id);
    assert.equal(payload['scope'], 'mcp admin');
    assert.equal(typeof payload.jti, 'string');
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.deepEqual(payload['groups'], ['engineering']);
    assert.equal(payload['tenant'], 'acme');

    const custom = await idp.token({
      scope: 'mcp',
      ttl: 5,
      extraClaims: { sub: 'alice', roles: ['admin'], agent: 'claude' },
    });
    const claims = (await verify(custom.access_token)).payload;
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims['roles'], ['admin']);
    assert.equal(claims['agent'], 'claude');
    assert.equal(claims.exp! - claims.iat!, 5);

    // Another resource gets its own audience; an unknown one is refused by the IdP.
    assert.equal(
      (await verify((await idp.token({ scope: 'mcp', resource: OTHER })).access_token, OTHER)).payload.aud,
      OTHER,
    );
    await assert.rejects(
      idp.token({ scope: 'mcp', resource: 'https://unknown.example/' }),
      (err: IdpError) => {
        assert.equal(err.body['error'], 'invalid_target');
        return true;
      },
    );
  });

  it('binds tokens to a DPoP key (cnf.jkt) and insists on a proof for the DPoP client', async () => {
    const key = await generateDpopKey();
    const res = await idp.token({ scope: 'mcp', dpopKey: key });
    assert.equal(res.token_type, 'DPoP');
    const { payload } = await verify(res.access_token);
    assert.deepEqual(payload['cnf'], { jkt: await jwkThumbprint(key) });
    await assert.rejects(idp.token({ scope: 'mcp', clientId: idp.clients.dpop.id }), IdpError);

    const opaque = await idp.opaqueToken({ scope: 'mcp', dpopKey: key });
    const answer = await idp.introspect(opaque.access_token);
    assert.deepEqual(answer['cnf'], { jkt: await jwkThumbprint(key) });
    assert.equal(answer['token_type'], 'DPoP');
  });

  it('binds tokens to the client certificate (cnf.x5t#S256) and insists on one for the mTLS client', async () => {
    const res = await idp.token({ scope: 'mcp', clientCert: pki.clientA.cert });
    const { payload } = await verify(res.access_token);
    assert.deepEqual(payload['cnf'], { 'x5t#S256': pki.clientA.thumbprint });
    assert.notEqual(pki.clientA.thumbprint, pki.clientB.thumbprint);
    await assert.rejects(idp.token({ scope: 'mcp', clientId: idp.clients.mtls.id }), IdpError);
  });

  it('introspects opaque tokens, and answers inactive once revoked', async () => {
    const res = await idp.opaqueToken({ scope: 'mcp mcp:tools', extraClaims: { sub: 'alice' } });
    assert.equal(res.access_token.split('.').length, 1);
    const live = await idp.introspect(res.access_token);
    assert.equal(live['active'], true);
    assert.equal(live['sub'], 'alice');
    assert.equal(live['scope'], 'mcp mcp:tools');
    assert.equal(live['aud'], RESOURCE);
    assert.equal(live['iss'], idp.issuer);
    assert.equal(live['client_id'], idp.clients.agent.id);
    assert.deepEqual(live['groups'], ['engineering']);
    assert.ok(typeof live['exp'] === 'number' && live['exp'] > Date.now() / 1000);

    await idp.revoke(res.access_token);
    assert.deepEqual(await idp.introspect(res.access_token), { active: false });
    assert.deepEqual(await idp.introspect('no-such-token'), { active: false });
  });

  it('exchanges a token for another resource, keeping the subject and naming the actor', async () => {
    const subject = await idp.token({ scope: 'mcp mcp:tools', extraClaims: { sub: 'alice' } });
    const res = await idp.exchange(subject.access_token, { resource: OTHER, scope: 'mcp' });
    assert.equal(res.issued_token_type, 'urn:ietf:params:oauth:token-type:access_token');
    const { payload } = await verify(res.access_token, OTHER);
    assert.equal(payload.sub, 'alice');
    assert.equal(payload.aud, OTHER);
    assert.equal(payload['scope'], 'mcp');
    assert.equal(payload['client_id'], idp.clients.exchanger.id);
    assert.deepEqual(payload['act'], { sub: idp.clients.exchanger.id });

    // Opaque subject tokens work too; scopes can only shrink; tokens of other issuers are refused.
    const opaque = await idp.opaqueToken({ scope: 'mcp', extraClaims: { sub: 'bob' } });
    assert.equal(
      decodeJwt((await idp.exchange(opaque.access_token, { resource: OTHER })).access_token).sub,
      'bob',
    );
    await assert.rejects(
      idp.exchange(opaque.access_token, { resource: OTHER, scope: 'admin' }),
      (err: IdpError) => {
        assert.equal(err.body['error'], 'invalid_scope');
        return true;
      },
    );
    const forged =
      subject.access_token.slice(0, -4) + (subject.access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await assert.rejects(idp.exchange(forged, { resource: OTHER }), (err: IdpError) => {
      assert.equal(err.body['error'], 'invalid_grant');
      return true;
    });
    // Only the exchanger client may use the grant.
    await assert.rejects(
      idp.exchange(subject.access_token, { resource: OTHER, clientId: idp.clients.agent.id }),
    );
  });

  it('mints tokens with its real key for negative tests', async () => {
    const good = await idp.mint({ sub: 'mallory' });
    assert.equal((await verify(good)).payload.sub, 'mallory');
    const past = Math.floor(Date.now() / 1000) - 3600;
    await assert.rejects(verify(await idp.mint({ iat: past - 600, exp: past })), { code: 'ERR_JWT_EXPIRED' });
    await assert.rejects(verify(await idp.mint({ aud: OTHER })), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    assert.equal('exp' in decodeJwt(await idp.mint({ exp: undefined })), false);
    const real = decodeProtectedHeader((await idp.token({ scope: 'mcp' })).access_token);
    assert.deepEqual(decodeProtectedHeader(good), real);
  });

  it('rotates keys: the JWKS changes, new tokens use the new kid, old tokens verify until the key is retired', async () => {
    const older = await idp.token({ scope: 'mcp' });
    const oldKid = idp.signingKey().kid;
    const added = await idp.rotateKeys();
    const kids = async () =>
      ((await (await fetch(idp.jwksUri)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    assert.deepEqual(await kids(), [added.kid, oldKid]);
    const newer = await idp.token({ scope: 'mcp' });
    assert.equal(decodeProtectedHeader(newer.access_token).kid, added.kid);
    const jwks = createLocalJWKSet(idp.publicJwks());
    await jwtVerify(older.access_token, jwks);
    await jwtVerify(newer.access_token, jwks);

    // Opaque tokens survive a rotation (storage belongs to the IdP, not the Provider instance).
    const opaque = await idp.opaqueToken({ scope: 'mcp' });
    const retired = await idp.rotateKeys({ retireOld: true });
    assert.deepEqual(await kids(), [retired.kid]);
    assert.equal((await idp.introspect(opaque.access_token))['active'], true);
    await assert.rejects(jwtVerify(older.access_token, createLocalJWKSet(idp.publicJwks())), {
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });
});

describe('test PKI (openssl)', () => {
  let pki: Pki;
  before(() => {
    pki = makePki();
  });
  after(() => pki.remove());

  /** What a TLS server trusting `pki.ca` for client certificates makes of `client`'s certificate. */
  async function handshake(client: { cert: string; key: string }) {
    const server = createServer({
      cert: pki.server.cert,
      key: pki.server.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: false, // let the test see the verdict instead of a closed socket
    });
    const seen = new Promise<{ authorized: boolean; error: string | undefined; cn: string }>((resolve) => {
      server.on('secureConnection', (socket: TLSSocket) => {
        resolve({
          authorized: socket.authorized,
          error: socket.authorizationError?.toString(),
          cn: String(socket.getPeerCertificate().subject?.CN),
        });
        socket.end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    // The client checks the server certificate too: its SAN must cover 127.0.0.1 and chain to the CA.
    const socket = connect({ host: '127.0.0.1', port, ca: pki.ca.cert, ...client });
    try {
      await once(socket, 'secureConnect');
      return await seen;
    } finally {
      socket.destroy();
      server.close();
    }
  }

  it('makes a server certificate for 127.0.0.1 and client certificates the CA vouches for', async () => {
    assert.deepEqual(await handshake(pki.clientA), { authorized: true, error: undefined, cn: 'client-a' });
    assert.deepEqual(await handshake(pki.clientB), { authorized: true, error: undefined, cn: 'client-b' });
  });

  it('makes a client certificate from another CA that the server refuses', async () => {
    const verdict = await handshake(pki.untrusted);
    assert.equal(verdict.authorized, false);
    assert.equal(verdict.cn, 'client-a');
    assert.match(String(verdict.error), /ISSUER|UNABLE|SELF_SIGNED/);
  });
});
