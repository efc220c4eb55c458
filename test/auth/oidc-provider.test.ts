// Rampart as a resource server in front of a real OpenID provider (oidc-provider, started here): JWT and opaque
// access tokens with resource indicators, DPoP-bound and certificate-bound tokens, key rotation; and every way a
// token can be wrong is refused over HTTP with its own stable code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { Agent, request } from 'undici';
import { type ClientCert, makePki, type Pki } from '../helpers/certs.ts';
import { dpopProof } from '../helpers/dpop.ts';
import { generateDpopKey, type Idp, startIdp } from '../helpers/idp.ts';
import { MODERN, modernMeta } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.ts';

const RESOURCE = 'https://rampart.test/mcp';
const OTHER = 'https://other.test/mcp';

describe('Rampart in front of a real OpenID provider', () => {
  let idp: Idp;
  let pki: Pki;
  let gw: Started;
  let agent: Agent;

  before(async () => {
    pki = makePki();
    idp = await startIdp({ resource: RESOURCE, extraResources: [OTHER] });
    gw = await startRampart({
      servers: [fixtureServer('fx', 'legacy'), fixtureServer('pay', 'legacy')],
      tls: { cert: pki.server.certPath, key: pki.server.keyPath, clientCa: pki.ca.certPath },
      auth: {
        resource: RESOURCE,
        issuers: [
          {
            issuer: idp.issuer,
            introspection: {
              endpoint: idp.introspectionEndpoint,
              clientId: idp.clients.introspector.id,
              clientSecret: { env: 'RAMPART_TEST_INTROSPECTION_SECRET' },
            },
          },
        ],
        scopes: { required: ['mcp'], tools: { fx__add: ['admin'] } },
        binding: { servers: { pay: 'dpop' } },
        jwksRefreshMinMs: 1,
      },
    });
    agent = new Agent({ connect: { ca: pki.ca.cert } });
  });
  before(() => {
    process.env['RAMPART_TEST_INTROSPECTION_SECRET'] = idp.clients.introspector.secret;
  });
  after(async () => {
    await gw.stop();
    await idp.stop();
    await agent.close();
    pki.remove();
  });

  /** One modern tools/call through the TLS endpoint; returns HTTP status and Rampart's stable code. */
  async function call(
    authorization: string | undefined,
    options: { tool?: string; dpop?: string; cert?: ClientCert; method?: string } = {},
  ): Promise<{ status: number; code: string | undefined }> {
    const tool = options.tool ?? 'fx__echo';
    const dispatcher = options.cert
      ? new Agent({ connect: { ca: pki.ca.cert, cert: options.cert.cert, key: options.cert.key } })
      : agent;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': MODERN,
      'mcp-method': 'tools/call',
      'mcp-name': tool,
    };
    if (authorization) headers['authorization'] = authorization;
    if (options.dpop) headers['dpop'] = options.dpop;
    const res = await request(gw.url, {
      method: 'POST',
      dispatcher,
      headers,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: tool, arguments: { text: 'x', a: 1, b: 2 }, _meta: modernMeta() },
      }),
    });
    const body = (await res.body.json()) as { error?: { data?: { code?: string } } };
    if (dispatcher !== agent) await dispatcher.close();
    return { status: res.statusCode, code: body.error?.data?.code };
  }
  const ok = { status: 200, code: undefined };

  it('accepts a JWT access token issued for Rampart and an opaque one through introspection', async () => {
    const jwt = await idp.token({ scope: 'mcp' });
    assert.deepEqual(await call(`Bearer ${jwt.access_token}`), ok);
    const opaque = await idp.opaqueToken({ scope: 'mcp' });
    assert.doesNotMatch(opaque.access_token, /\./);
    assert.deepEqual(await call(`Bearer ${opaque.access_token}`), ok);
    await idp.revoke(opaque.access_token);
  });

  it('refuses expired, not yet valid, wrong audience and wrong issuer tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.deepEqual(await call(`Bearer ${await idp.mint({ iat: now - 7200, exp: now - 3600 })}`), {
      status: 401,
      code: 'RAMPART_TOKEN_EXPIRED',
    });
    assert.deepEqual(await call(`Bearer ${await idp.mint({ nbf: now + 3600 })}`), {
      status: 401,
      code: 'RAMPART_TOKEN_NOT_YET_VALID',
    });
    const other = await idp.token({ scope: 'mcp', resource: OTHER });
    assert.deepEqual(await call(`Bearer ${other.access_token}`), {
      status: 401,
      code: 'RAMPART_TOKEN_WRONG_AUDIENCE',
    });
    assert.deepEqual(await call(`Bearer ${await idp.mint({ iss: 'https://impostor.example' })}`), {
      status: 401,
      code: 'RAMPART_TOKEN_WRONG_ISSUER',
    });
  });

  it("refuses alg none, HS256 keyed with the IdP's public key, an unknown kid and a tampered signature", async () => {
    const good = await idp.mint({});
    const [, payload, signature] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    assert.deepEqual(await call(`Bearer ${none}`), { status: 401, code: 'RAMPART_TOKEN_ALG_NOT_ALLOWED' });
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const publicJwk = idp.signingKey().publicJwk;
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: idp.signingKey().kid })
      .sign(new TextEncoder().encode(JSON.stringify(publicJwk)));
    assert.deepEqual(await call(`Bearer ${hs}`), { status: 401, code: 'RAMPART_TOKEN_ALG_NOT_ALLOWED' });
    const rogue = await generateDpopKey();
    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'not-published' })
      .sign(rogue.privateKey);
    assert.deepEqual(await call(`Bearer ${unknownKid}`), { status: 401, code: 'RAMPART_TOKEN_UNKNOWN_KEY' });
    const flipped = `${good.split('.')[0]}.${payload}.${signature!.slice(0, -6)}${signature!.slice(-6).split('').reverse().join('')}`;
    assert.deepEqual(await call(`Bearer ${flipped}`), { status: 401, code: 'RAMPART_TOKEN_BAD_SIGNATURE' });
  });

  it('follows key rotation: a token signed with the new key is accepted (unknown kid refreshes the JWKS)', async () => {
    await idp.rotateKeys();
    const fresh = await idp.token({ scope: 'mcp' });
    assert.deepEqual(await call(`Bearer ${fresh.access_token}`), ok);
  });

  it('refuses a missing scope with 403 and a revoked token or disabled subject with 401', async () => {
    const token = await idp.token({ scope: 'mcp' });
    assert.deepEqual(await call(`Bearer ${token.access_token}`, { tool: 'fx__add' }), {
      status: 403,
      code: 'RAMPART_INSUFFICIENT_SCOPE',
    });
    const admin = await idp.token({ scope: 'mcp admin' });
    assert.deepEqual(await call(`Bearer ${admin.access_token}`, { tool: 'fx__add' }), ok);
    const jti = JSON.parse(Buffer.from(token.access_token.split('.')[1]!, 'base64url').toString())[
      'jti'
    ] as string;
    gw.rampart.revocations!.revokeToken(jti);
    assert.deepEqual(await call(`Bearer ${token.access_token}`), {
      status: 401,
      code: 'RAMPART_TOKEN_REVOKED',
    });
    const mallory = await idp.token({ scope: 'mcp', extraClaims: { sub: 'mallory' } });
    assert.deepEqual(await call(`Bearer ${mallory.access_token}`), ok);
    gw.rampart.revocations!.disableSubject(idp.issuer, 'mallory');
    assert.deepEqual(await call(`Bearer ${mallory.access_token}`), {
      status: 401,
      code: 'RAMPART_SUBJECT_DISABLED',
    });
  });

  it('enforces DPoP-bound tokens: replay, another method or URL, another key, and bearer where DPoP is required', async () => {
    const key = await generateDpopKey();
    const bound = await idp.token({ scope: 'mcp', dpopKey: key });
    assert.equal(bound.token_type, 'DPoP');
    const token = bound.access_token;
    const proof = (extra: Partial<Parameters<typeof dpopProof>[0]> = {}) =>
      dpopProof({ key, htm: 'POST', htu: RESOURCE, accessToken: token, ...extra });
    const once = await proof();
    assert.deepEqual(await call(`DPoP ${token}`, { dpop: once, tool: 'pay__echo' }), ok);
    assert.deepEqual(await call(`DPoP ${token}`, { dpop: once, tool: 'pay__echo' }), {
      status: 401,
      code: 'RAMPART_DPOP_REPLAYED',
    });
    assert.deepEqual(await call(`DPoP ${token}`, { dpop: await proof({ htm: 'GET' }) }), {
      status: 401,
      code: 'RAMPART_DPOP_WRONG_TARGET',
    });
    assert.deepEqual(
      await call(`DPoP ${token}`, { dpop: await proof({ htu: 'https://rampart.test/elsewhere' }) }),
      { status: 401, code: 'RAMPART_DPOP_WRONG_TARGET' },
    );
    const thief = await generateDpopKey();
    assert.deepEqual(await call(`DPoP ${token}`, { dpop: await proof({ key: thief }) }), {
      status: 401,
      code: 'RAMPART_DPOP_KEY_MISMATCH',
    });
    assert.deepEqual(await call(`Bearer ${token}`), { status: 401, code: 'RAMPART_DPOP_REQUIRED' });
    const bearer = await idp.token({ scope: 'mcp' });
    assert.deepEqual(await call(`Bearer ${bearer.access_token}`, { tool: 'pay__echo' }), {
      status: 401,
      code: 'RAMPART_DPOP_REQUIRED',
    });
  });

  it('enforces certificate-bound tokens: accepted with that certificate only', async () => {
    const bound = await idp.token({ scope: 'mcp', clientCert: pki.clientA.cert });
    const token = `Bearer ${bound.access_token}`;
    assert.deepEqual(await call(token, { cert: pki.clientA }), ok);
    assert.deepEqual(await call(token), { status: 401, code: 'RAMPART_MTLS_REQUIRED' });
    assert.deepEqual(await call(token, { cert: pki.clientB }), {
      status: 401,
      code: 'RAMPART_MTLS_CERT_MISMATCH',
    });
  });

  it('answers 404 to another principal presenting a session id it did not open', async () => {
    const alice = await idp.token({ scope: 'mcp', extraClaims: { sub: 'alice' } });
    const bob = await idp.token({ scope: 'mcp', extraClaims: { sub: 'bob' } });
    const post = async (
      authorization: string,
      session: string | undefined,
      body: Record<string, unknown>,
    ) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization,
      };
      if (session) headers['mcp-session-id'] = session;
      const res = await request(gw.url, {
        method: 'POST',
        dispatcher: agent,
        headers,
        body: JSON.stringify(body),
      });
      const text = await res.body.text();
      return { status: res.statusCode, session: res.headers['mcp-session-id'] as string | undefined, text };
    };
    const init = await post(`Bearer ${alice.access_token}`, undefined, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    assert.equal(init.status, 200);
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    assert.equal((await post(`Bearer ${alice.access_token}`, init.session, list)).status, 200);
    const stolen = await post(`Bearer ${bob.access_token}`, init.session, list);
    assert.equal(stolen.status, 404);
    assert.match(stolen.text, /RAMPART_SESSION_NOT_FOUND/);
  });
});

describe('per-upstream credentials from the real OpenID provider', () => {
  let idp: Idp;
  let gw: Started;
  let upstream: RecordingUpstream;

  before(async () => {
    idp = await startIdp({ resource: RESOURCE, extraResources: [OTHER] });
    upstream = await startRecordingUpstream();
    process.env['RAMPART_TEST_EXCHANGER_SECRET'] = idp.clients.exchanger.secret;
    gw = await startRampart({
      servers: [
        {
          name: 'rec',
          url: upstream.url,
          credentials: {
            type: 'token_exchange',
            tokenEndpoint: idp.tokenEndpoint,
            clientId: idp.clients.exchanger.id,
            clientSecret: { env: 'RAMPART_TEST_EXCHANGER_SECRET' },
            resource: OTHER,
          },
        },
      ],
      auth: { resource: RESOURCE, issuers: [{ issuer: idp.issuer }], scopes: { required: ['mcp'] } },
    });
  });
  after(async () => {
    await gw.stop();
    upstream.server.close();
    await idp.stop();
  });

  it("exchanges the caller's token (RFC 8693) for one issued to the upstream, and never forwards the caller's own", async () => {
    const caller = await idp.token({ scope: 'mcp', extraClaims: { sub: 'erin' } });
    const res = await request(gw.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${caller.access_token}`,
        'mcp-protocol-version': MODERN,
        'mcp-method': 'tools/call',
        'mcp-name': 'rec__echo',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'rec__echo', arguments: {}, _meta: modernMeta() },
      }),
    });
    assert.equal(res.statusCode, 200, await res.body.text());
    const bearer = upstream.seen
      .map((h) => h['authorization'])
      .filter((v): v is string => typeof v === 'string');
    assert.ok(bearer.length > 0, 'the upstream received a credential');
    for (const value of bearer)
      assert.ok(!value.includes(caller.access_token), "the caller's token never reaches the upstream");
    const exchanged = JSON.parse(
      Buffer.from(
        bearer
          .at(-1)!
          .replace(/^Bearer /, '')
          .split('.')[1]!,
        'base64url',
      ).toString(),
    );
    assert.equal(exchanged['aud'], OTHER);
    assert.equal(exchanged['sub'], 'erin');
    assert.equal((exchanged['act'] as Record<string, unknown>)['sub'], idp.clients.exchanger.id);
  });
});
