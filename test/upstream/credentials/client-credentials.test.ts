import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { upstreamCredentialSchema } from '../../../src/config/auth-schema.ts';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import {
  type ClientCredentialsSpec,
  clientCredentialsProvider,
} from '../../../src/upstream/credentials/client-credentials-provider.ts';
import { type Handler, type LocalServer, startServer } from './local-server.ts';

const parse = (extra: Record<string, unknown>) =>
  upstreamCredentialSchema.parse({
    type: 'client_credentials',
    clientId: 'svc',
    ...extra,
  }) as ClientCredentialsSpec;

describe('client credentials provider', () => {
  let local: LocalServer;
  let methods = ['client_secret_basic'];
  let issued = 0;
  let tokenReply: Handler = () => ({
    json: { access_token: `cc-${++issued}`, token_type: 'Bearer', expires_in: 3600 },
  });
  let clock = 5_000_000;
  const now = () => clock;
  before(async () => {
    process.env['RAMPART_TEST_CC_SECRET'] = 'cc-secret';
    local = await startServer((req, base) => {
      if (req.path === '/.well-known/oauth-protected-resource/mcp') {
        return { json: { resource: `${base}/mcp`, authorization_servers: [base] } };
      }
      if (req.path === '/.well-known/oauth-authorization-server') {
        return {
          json: {
            issuer: base,
            token_endpoint: `${base}/token`,
            grant_types_supported: ['client_credentials'],
            token_endpoint_auth_methods_supported: methods,
          },
        };
      }
      if (req.path === '/token') return tokenReply(req, base);
      return undefined;
    });
  });
  after(() => local.close());
  afterEach(() => {
    local.requests.length = 0;
    issued = 0;
    methods = ['client_secret_basic'];
    tokenReply = () => ({ json: { access_token: `cc-${++issued}`, token_type: 'Bearer', expires_in: 3600 } });
  });
  const make = (extra: Record<string, unknown>) =>
    clientCredentialsProvider({ spec: parse(extra), upstreamUrl: `${local.url}/mcp`, baseDir: '/', now });
  const secret = { clientSecret: { env: 'RAMPART_TEST_CC_SECRET' } };
  const prm = () => `Bearer resource_metadata="${local.url}/.well-known/oauth-protected-resource/mcp"`;

  it('fetches a token ahead of the first request when the endpoint is configured, and caches it', async () => {
    const provider = make({ ...secret, tokenEndpoint: `${local.url}/token`, scope: 'mcp:read' });
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer cc-1' });
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer cc-1' });
    const request = local.hits('/token')[0]!;
    assert.equal(request.form.get('grant_type'), 'client_credentials');
    assert.equal(request.form.get('scope'), 'mcp:read');
    assert.equal(request.form.get('resource'), `${local.url}/mcp`);
    assert.equal(
      request.headers['authorization'],
      `Basic ${Buffer.from('svc:cc-secret').toString('base64')}`,
    );
    assert.equal(local.hits('/token').length, 1);
    clock += 3_600_000;
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer cc-2' });
  });

  it('discovers the token endpoint on the first 401 and picks the method the server supports', async () => {
    methods = ['client_secret_post'];
    const provider = make(secret);
    assert.deepEqual(await provider.headers({}), {});
    assert.equal(await provider.challenge!(401, prm(), {}, {}), true);
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer cc-1' });
    const request = local.hits('/token')[0]!;
    assert.equal(request.form.get('client_secret'), 'cc-secret');
    assert.equal(request.headers['authorization'], undefined);
  });

  it('authenticates with private_key_jwt, the assertion addressed to the issuer', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    process.env['RAMPART_TEST_CC_KEY'] = await exportPKCS8(privateKey);
    methods = ['private_key_jwt'];
    const provider = make({ privateKey: { env: 'RAMPART_TEST_CC_KEY' } });
    await provider.challenge!(401, prm(), {}, {});
    const form = local.hits('/token')[0]!.form;
    const { payload } = await jwtVerify(form.get('client_assertion')!, publicKey, { audience: local.url });
    assert.equal(payload.iss, 'svc');
    assert.equal(payload.sub, 'svc');
  });

  it('replaces a refused token, steps up once for new scopes, and is bounded', async () => {
    const provider = make({ ...secret, tokenEndpoint: `${local.url}/token` });
    const first = await provider.headers({});
    assert.equal(await provider.challenge!(401, 'Bearer', {}, first), true);
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer cc-2' });
    const stepUp = 'Bearer error="insufficient_scope", scope="admin"';
    assert.equal(await provider.challenge!(403, stepUp, {}, await provider.headers({})), true);
    assert.equal(local.hits('/token').at(-1)!.form.get('scope'), 'admin');
    assert.equal(await provider.challenge!(403, stepUp, {}, await provider.headers({})), false);
    assert.equal(await provider.challenge!(401, 'Bearer', {}, await provider.headers({})), true);
    assert.equal(await provider.challenge!(401, 'Bearer', {}, await provider.headers({})), true);
    await assert.rejects(
      provider.challenge!(401, 'Bearer', {}, await provider.headers({})),
      (err) => failureReason(err) === 'retry_budget_exhausted',
    );
  });

  it('surfaces a refusal of the token endpoint with its OAuth error only', async () => {
    tokenReply = () => ({ status: 401, json: { error: 'invalid_client' } });
    const provider = make({ ...secret, tokenEndpoint: `${local.url}/token` });
    await assert.rejects(provider.headers({}), (err) => failureReason(err) === 'token_request_failed');
  });

  it('needs exactly one of clientSecret and privateKey', () => {
    assert.throws(() => parse({}));
    assert.throws(() => parse({ ...secret, privateKey: { env: 'X' } }));
  });
});
