import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import {
  asMetadataCandidates,
  discover,
  discoverAuthorizationServer,
  discoverProtectedResource,
  legacyAuthorizationServer,
  prmCandidates,
} from '../../../src/upstream/credentials/discovery.ts';
import { policyForUpstream } from '../../../src/upstream/credentials/ssrf-guard.ts';
import { type Handler, type LocalServer, startServer } from './local-server.ts';

const asDocument = (issuer: string, extra: Record<string, unknown> = {}) => ({
  issuer,
  authorization_endpoint: `${issuer}/authorize`,
  token_endpoint: `${issuer}/token`,
  code_challenge_methods_supported: ['S256'],
  ...extra,
});

describe('discovery URLs', () => {
  it('tries the challenge URL, then path-suffixed, then root PRM', () => {
    assert.deepEqual(
      prmCandidates('https://mcp.example.com/public/mcp', 'https://mcp.example.com/prm.json'),
      [
        'https://mcp.example.com/prm.json',
        'https://mcp.example.com/.well-known/oauth-protected-resource/public/mcp',
        'https://mcp.example.com/.well-known/oauth-protected-resource',
      ],
    );
    assert.deepEqual(prmCandidates('https://mcp.example.com/', undefined), [
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    ]);
  });

  it('orders AS metadata URLs as MCP prescribes', () => {
    assert.deepEqual(asMetadataCandidates('https://auth.example.com/tenant1'), [
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant1',
      'https://auth.example.com/.well-known/openid-configuration/tenant1',
      'https://auth.example.com/tenant1/.well-known/openid-configuration',
    ]);
    assert.deepEqual(asMetadataCandidates('https://auth.example.com'), [
      'https://auth.example.com/.well-known/oauth-authorization-server',
      'https://auth.example.com/.well-known/openid-configuration',
    ]);
  });
});

describe('discovery against a server', () => {
  let server: LocalServer;
  let handler: Handler = () => undefined;
  before(async () => {
    server = await startServer((req, base) => handler(req, base));
  });
  after(() => server.close());
  const policy = () => policyForUpstream(server.url);
  const reset = (next: Handler) => {
    server.requests.length = 0;
    handler = next;
  };

  it('uses the challenge URL and never probes the root when it answers', async () => {
    reset((req, base) =>
      req.path === '/custom/prm.json'
        ? { json: { resource: `${base}/mcp`, authorization_servers: [base], scopes_supported: ['a'] } }
        : undefined,
    );
    const prm = await discoverProtectedResource(
      `${server.url}/mcp`,
      `${server.url}/custom/prm.json`,
      policy(),
    );
    assert.deepEqual(prm, {
      resource: `${server.url}/mcp`,
      authorizationServers: [server.url],
      scopesSupported: ['a'],
    });
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/custom/prm.json'],
    );
  });

  it('falls back to path-suffixed, then root PRM', async () => {
    reset((req, base) =>
      req.path === '/.well-known/oauth-protected-resource'
        ? { json: { resource: base, authorization_servers: [base] } }
        : undefined,
    );
    const prm = await discoverProtectedResource(`${server.url}/mcp`, `${server.url}/gone`, policy());
    assert.equal(prm?.resource, server.url);
    assert.deepEqual(
      server.requests.map((r) => r.path),
      ['/gone', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource'],
    );
  });

  it('refuses a PRM naming another resource', async () => {
    reset(() => ({
      json: { resource: 'https://evil.example.com/mcp', authorization_servers: ['https://as'] },
    }));
    await assert.rejects(
      discoverProtectedResource(`${server.url}/mcp`, undefined, policy()),
      (err) => failureReason(err) === 'resource_mismatch',
    );
  });

  it('skips a challenge URL the guard refuses and uses the well-known one', async () => {
    reset((req, base) =>
      req.path === '/.well-known/oauth-protected-resource/mcp'
        ? { json: { resource: `${base}/mcp`, authorization_servers: [base] } }
        : undefined,
    );
    const prm = await discoverProtectedResource(
      `${server.url}/mcp`,
      'http://169.254.169.254/latest/meta-data',
      policy(),
    );
    assert.equal(prm?.resource, `${server.url}/mcp`);
  });

  it('tries the issuer-with-path forms in order, and only those', async () => {
    reset((req, base) =>
      req.path === '/tenant1/.well-known/openid-configuration'
        ? { json: asDocument(`${base}/tenant1`) }
        : undefined,
    );
    const metadata = await discoverAuthorizationServer(`${server.url}/tenant1`, policy());
    assert.equal(metadata?.issuer, `${server.url}/tenant1`);
    assert.equal(metadata?.source, 'metadata');
    assert.deepEqual(
      server.requests.map((r) => r.path),
      [
        '/.well-known/oauth-authorization-server/tenant1',
        '/.well-known/openid-configuration/tenant1',
        '/tenant1/.well-known/openid-configuration',
      ],
    );
  });

  it('never uses metadata whose issuer differs from the one asked for (mix-up)', async () => {
    reset((req) =>
      req.path === '/.well-known/oauth-authorization-server'
        ? { json: asDocument('https://honest.example') }
        : undefined,
    );
    assert.equal(await discoverAuthorizationServer(server.url, policy()), undefined);
  });

  it('reports an issuer the guard refuses as blocked, not as missing', async () => {
    await assert.rejects(
      discoverAuthorizationServer('http://169.254.169.254', policy()),
      (err: Error & { code?: string }) => err.code === 'RAMPART_SSRF_BLOCKED',
    );
  });

  it('reads the fields the providers need', async () => {
    reset((req, base) =>
      req.path === '/.well-known/oauth-authorization-server'
        ? {
            json: asDocument(base, {
              registration_endpoint: `${base}/register`,
              scopes_supported: ['a', 'offline_access'],
              token_endpoint_auth_methods_supported: ['client_secret_post'],
              client_id_metadata_document_supported: true,
              authorization_response_iss_parameter_supported: true,
            }),
          }
        : undefined,
    );
    const metadata = await discoverAuthorizationServer(server.url, policy());
    assert.deepEqual(metadata, {
      issuer: server.url,
      authorizationEndpoint: `${server.url}/authorize`,
      tokenEndpoint: `${server.url}/token`,
      registrationEndpoint: `${server.url}/register`,
      scopesSupported: ['a', 'offline_access'],
      codeChallengeMethods: ['S256'],
      tokenEndpointAuthMethods: ['client_secret_post'],
      clientIdMetadataDocumentSupported: true,
      issParameterSupported: true,
      source: 'metadata',
    });
  });

  it('without PRM uses 2025-03-26 metadata at the origin, else the default endpoints', async () => {
    reset((req, base) =>
      req.path === '/.well-known/oauth-authorization-server'
        ? { json: asDocument(`${base}/oauth`) }
        : undefined,
    );
    const found = await discover(`${server.url}/mcp`, undefined, policy());
    assert.equal(found.prm, undefined);
    assert.equal(found.resource, `${server.url}/mcp`);
    assert.equal(found.server.source, 'legacy-metadata');
    assert.equal(found.server.tokenEndpoint, `${server.url}/oauth/token`);

    reset(() => undefined);
    const fallback = await legacyAuthorizationServer(`${server.url}/mcp`, policy());
    assert.equal(fallback.source, 'default-endpoints');
    assert.equal(fallback.authorizationEndpoint, `${server.url}/authorize`);
    assert.equal(fallback.tokenEndpoint, `${server.url}/token`);
    assert.equal(fallback.registrationEndpoint, `${server.url}/register`);

    reset((req) =>
      req.path === '/.well-known/oauth-authorization-server'
        ? { json: asDocument('https://elsewhere.example') }
        : undefined,
    );
    await assert.rejects(
      legacyAuthorizationServer(`${server.url}/mcp`, policy()),
      (err) => failureReason(err) === 'as_metadata_invalid',
    );
  });

  it('prefers the issuer of a pre-registered client among several servers', async () => {
    reset((req, base) => {
      if (req.path === '/.well-known/oauth-protected-resource/mcp') {
        return { json: { resource: `${base}/mcp`, authorization_servers: [`${base}/a`, `${base}/b`] } };
      }
      if (req.path === '/.well-known/oauth-authorization-server/b') return { json: asDocument(`${base}/b`) };
      return undefined;
    });
    const found = await discover(`${server.url}/mcp`, undefined, policy(), `${server.url}/b`);
    assert.equal(found.server.issuer, `${server.url}/b`);
    await assert.rejects(
      discover(`${server.url}/mcp`, undefined, policy()),
      (err) => failureReason(err) === 'as_metadata_not_found',
    );
  });

  it('follows a redirect only after checking its target', async () => {
    reset((req, base) => {
      if (req.path === '/moved') return { status: 302, headers: { location: `${base}/prm.json` } };
      if (req.path === '/prm.json')
        return { json: { resource: `${base}/mcp`, authorization_servers: [base] } };
      if (req.path === '/to-metadata')
        return { status: 302, headers: { location: 'http://169.254.169.254/x' } };
      return undefined;
    });
    const prm = await discoverProtectedResource(`${server.url}/mcp`, `${server.url}/moved`, policy());
    assert.equal(prm?.resource, `${server.url}/mcp`);
    // The bad redirect is refused; discovery moves on to the well-known URLs (which 404 here).
    assert.equal(
      await discoverProtectedResource(`${server.url}/mcp`, `${server.url}/to-metadata`, policy()),
      undefined,
    );
  });
});
