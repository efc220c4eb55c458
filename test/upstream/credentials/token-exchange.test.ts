import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { upstreamCredentialSchema } from '../../../src/config/auth-schema.ts';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import {
  type IdentityAssertionSpec,
  identityAssertionProvider,
} from '../../../src/upstream/credentials/identity-assertion-provider.ts';
import { SubjectCache, subjectKey } from '../../../src/upstream/credentials/subject-cache.ts';
import {
  type TokenExchangeSpec,
  tokenExchangeProvider,
} from '../../../src/upstream/credentials/token-exchange-provider.ts';
import { type Handler, type LocalServer, startServer } from './local-server.ts';

describe('subject cache', () => {
  it('keys by digest, expires entries and evicts the oldest', () => {
    let now = 0;
    const cache = new SubjectCache(() => now, 2);
    assert.notEqual(subjectKey('user-token'), 'user-token');
    cache.set('a', 'ta', 100);
    cache.set('b', 'tb', undefined);
    assert.equal(cache.get('a')?.accessToken, 'ta');
    cache.set('c', 'tc', 100);
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 2);
    now = 100;
    assert.equal(cache.get('c'), undefined);
    assert.equal(cache.get('b')?.accessToken, 'tb');
  });
});

describe('token exchange provider', () => {
  let local: LocalServer;
  let issued = 0;
  let reply: Handler = () => ({
    json: {
      access_token: `ex-${++issued}`,
      token_type: 'Bearer',
      expires_in: 600,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    },
  });
  before(async () => {
    process.env['RAMPART_TEST_TX_SECRET'] = 'tx-secret';
    process.env['RAMPART_TEST_TX_SERVICE'] = 'service-subject';
    local = await startServer((req, base) => (req.path === '/token' ? reply(req, base) : undefined));
  });
  after(() => local.close());
  afterEach(() => {
    local.requests.length = 0;
    issued = 0;
  });
  const make = (extra: Record<string, unknown> = {}) =>
    tokenExchangeProvider({
      spec: upstreamCredentialSchema.parse({
        type: 'token_exchange',
        tokenEndpoint: `${local.url}/token`,
        clientId: 'rampart',
        clientSecret: { env: 'RAMPART_TEST_TX_SECRET' },
        audience: 'files-api',
        ...extra,
      }) as TokenExchangeSpec,
      upstreamUrl: 'https://files.example.com/mcp',
      baseDir: '/',
    });

  it("exchanges the caller's token at the token endpoint and caches per subject", async () => {
    const provider = make();
    assert.deepEqual(await provider.headers({ subjectToken: 'alice-token' }), {
      authorization: 'Bearer ex-1',
    });
    assert.deepEqual(await provider.headers({ subjectToken: 'alice-token' }), {
      authorization: 'Bearer ex-1',
    });
    assert.deepEqual(await provider.headers({ subjectToken: 'bob-token' }), { authorization: 'Bearer ex-2' });
    const form = local.hits('/token')[0]!.form;
    assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(form.get('subject_token'), 'alice-token');
    assert.equal(form.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:access_token');
    assert.equal(form.get('audience'), 'files-api');
    assert.equal(form.get('resource'), 'https://files.example.com/mcp');
    assert.ok(local.hits('/token')[0]!.headers['authorization']?.startsWith('Basic '));
    assert.equal(local.hits('/token').length, 2);
  });

  it('shares one exchange between concurrent requests of a subject', async () => {
    const provider = make();
    await Promise.all([1, 2, 3].map(() => provider.headers({ subjectToken: 'carol-token' })));
    assert.equal(local.hits('/token').length, 1);
  });

  it('sends no credential without a subject, unless a service subject token is configured', async () => {
    assert.deepEqual(await make().headers({}), {});
    assert.equal(local.hits('/token').length, 0);
    const service = make({ serviceSubjectToken: { env: 'RAMPART_TEST_TX_SERVICE' } });
    assert.deepEqual(await service.headers({}), { authorization: 'Bearer ex-1' });
    assert.equal(local.hits('/token')[0]!.form.get('subject_token'), 'service-subject');
  });

  it('exchanges again after the upstream refused the exchanged token', async () => {
    const provider = make();
    const sent = await provider.headers({ subjectToken: 'dave-token' });
    assert.equal(await provider.challenge!(401, 'Bearer', { subjectToken: 'dave-token' }, sent), true);
    assert.deepEqual(await provider.headers({ subjectToken: 'dave-token' }), {
      authorization: 'Bearer ex-2',
    });
    assert.equal(
      await provider.challenge!(403, 'Bearer error="insufficient_scope"', { subjectToken: 'x' }, sent),
      false,
    );
  });

  it('refuses a token it cannot use as Bearer', async () => {
    reply = () => ({ json: { access_token: 'opaque', token_type: 'N_A' } });
    await assert.rejects(
      make().headers({ subjectToken: 'erin-token' }),
      (err) => failureReason(err) === 'unsupported_token_type',
    );
  });
});

describe('identity assertion provider (SEP-990)', () => {
  let idp: LocalServer;
  let as: LocalServer;
  before(async () => {
    process.env['RAMPART_TEST_XAA_SECRET'] = 'xaa-secret';
    process.env['RAMPART_TEST_XAA_SUBJECT'] = 'id-token-of-service';
    let grants = 0;
    idp = await startServer((req) =>
      req.path === '/token'
        ? {
            json: {
              access_token: `id-jag-${++grants}`,
              issued_token_type: 'urn:ietf:params:oauth:token-type:id-jag',
              token_type: 'N_A',
            },
          }
        : undefined,
    );
    as = await startServer((req, base) => {
      if (req.path === '/.well-known/oauth-protected-resource/mcp') {
        return { json: { resource: `${base}/mcp`, authorization_servers: [base] } };
      }
      if (req.path === '/.well-known/oauth-authorization-server') {
        return { json: { issuer: base, token_endpoint: `${base}/token` } };
      }
      if (req.path === '/token') {
        return {
          json: {
            access_token: `at-for-${req.form.get('assertion')}`,
            token_type: 'Bearer',
            expires_in: 300,
          },
        };
      }
      return undefined;
    });
  });
  after(async () => {
    await idp.close();
    await as.close();
  });
  const make = (extra: Record<string, unknown> = {}) =>
    identityAssertionProvider({
      spec: upstreamCredentialSchema.parse({
        type: 'identity_assertion',
        idp: { tokenEndpoint: `${idp.url}/token`, clientId: 'idp-client' },
        clientId: 'mcp-client',
        clientSecret: { env: 'RAMPART_TEST_XAA_SECRET' },
        ...extra,
      }) as IdentityAssertionSpec,
      upstreamUrl: `${as.url}/mcp`,
      baseDir: '/',
    });

  it('learns the authorization server from the 401, then exchanges at the IdP and redeems the ID-JAG', async () => {
    const provider = make();
    assert.deepEqual(await provider.headers({ subjectToken: 'alice-id-token' }), {});
    const challenge = `Bearer resource_metadata="${as.url}/.well-known/oauth-protected-resource/mcp"`;
    assert.equal(await provider.challenge!(401, challenge, { subjectToken: 'alice-id-token' }, {}), true);
    assert.deepEqual(await provider.headers({ subjectToken: 'alice-id-token' }), {
      authorization: 'Bearer at-for-id-jag-1',
    });
    const exchange = idp.hits('/token')[0]!.form;
    assert.equal(exchange.get('grant_type'), 'urn:ietf:params:oauth:grant-type:token-exchange');
    assert.equal(exchange.get('requested_token_type'), 'urn:ietf:params:oauth:token-type:id-jag');
    assert.equal(exchange.get('subject_token_type'), 'urn:ietf:params:oauth:token-type:id_token');
    assert.equal(exchange.get('audience'), as.url);
    assert.equal(exchange.get('resource'), `${as.url}/mcp`);
    assert.equal(exchange.get('client_id'), 'idp-client');
    const grant = as.hits('/token')[0]!;
    assert.equal(grant.form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    assert.equal(grant.form.get('assertion'), 'id-jag-1');
    assert.equal(
      grant.headers['authorization'],
      `Basic ${Buffer.from('mcp-client:xaa-secret').toString('base64')}`,
    );
    // The user's token went to the IdP only.
    assert.ok(!as.requests.some((r) => r.body.includes('alice-id-token')));
  });

  it('works ahead of any 401 with a configured authorization server and a service subject', async () => {
    const provider = make({
      authorizationServer: as.url,
      serviceSubjectToken: { env: 'RAMPART_TEST_XAA_SUBJECT' },
    });
    assert.deepEqual(await provider.headers({}), {
      authorization: 'Bearer at-for-id-jag-2',
    });
    assert.equal(idp.hits('/token').at(-1)!.form.get('subject_token'), 'id-token-of-service');
  });
});
