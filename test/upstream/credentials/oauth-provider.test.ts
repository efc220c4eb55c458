// The upstream OAuth client end to end against a local authorization server: the provider is driven the way
// the HTTP transport drives it (headers, then challenge on 401/403 with the headers that were sent).
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { upstreamCredentialSchema } from '../../../src/config/auth-schema.ts';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import {
  MAX_AUTHORIZATIONS,
  type OAuthSpec,
  oauthProvider,
} from '../../../src/upstream/credentials/oauth-provider.ts';
import type { CredentialProvider } from '../../../src/upstream/credentials/provider.ts';
import { MemoryCredentialStore } from '../../../src/upstream/credentials/store.ts';
import { type MockAs, startMockAs } from './mock-authorization-server.ts';

const spec = (extra: Record<string, unknown> = {}) =>
  upstreamCredentialSchema.parse({ type: 'oauth', ...extra }) as OAuthSpec;

describe('oauth provider', () => {
  let as: MockAs;
  let clock = 1_000_000;
  const now = () => clock;
  before(async () => {
    as = await startMockAs();
  });
  after(() => as.close());
  afterEach(() => as.reset());
  const make = (
    extra: Record<string, unknown> = {},
    options: { authorizer?: boolean; store?: MemoryCredentialStore } = {},
  ) =>
    oauthProvider({
      spec: spec(extra),
      upstreamUrl: as.mcpUrl,
      baseDir: '/',
      authorizer: options.authorizer === false ? undefined : as.authorizer,
      store: options.store,
      now,
    });
  const challenge = (p: CredentialProvider, status: number, header: string, sent: Record<string, string>) =>
    p.challenge!(status, header, {}, sent);
  const unauthorized = (scope?: string) =>
    `Bearer resource_metadata="${as.prmUrl}"${scope ? `, scope="${scope}"` : ''}`;

  it('sends nothing before the first 401, then runs discovery, DCR, PKCE and the code flow', async () => {
    const provider = make();
    assert.deepEqual(await provider.headers({}), {});
    assert.equal(await challenge(provider, 401, unauthorized('files:read'), {}), true);
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer at-1' });
    const query = as.authorizations[0]!;
    assert.equal(query.get('client_id'), `dcr-client-${as.server.hits('/register')[0]!.body.length}`);
    assert.equal(query.get('code_challenge_method'), 'S256');
    assert.equal(query.get('scope'), 'files:read');
    assert.equal(query.get('resource'), as.mcpUrl);
    assert.equal(query.get('redirect_uri'), 'http://127.0.0.1/callback');
    const tokenRequest = as.tokenRequests()[0]!;
    assert.equal(tokenRequest.form.get('resource'), as.mcpUrl);
    assert.equal(tokenRequest.form.get('redirect_uri'), 'http://127.0.0.1/callback');
    assert.ok(tokenRequest.form.get('code_verifier'));
    // The root PRM is never asked for when the challenge named one.
    assert.equal(as.server.hits('/.well-known/oauth-protected-resource').length, 0);
  });

  it('uses scopes_supported without a challenge scope, and adds offline_access when the server lists it', async () => {
    as.options = { prmScopes: ['a', 'b'], scopesSupported: ['a', 'b', 'offline_access'] };
    const provider = make();
    await challenge(provider, 401, unauthorized(), {});
    assert.equal(as.authorizations[0]!.get('scope'), 'a b offline_access');
  });

  it('omits scope when nothing names one', async () => {
    const provider = make();
    await challenge(provider, 401, 'Bearer', {});
    assert.equal(as.authorizations[0]!.has('scope'), false);
  });

  it('steps up to the union of scopes on 403 insufficient_scope, but not for scopes it holds', async () => {
    const provider = make();
    await challenge(provider, 401, unauthorized('a'), {});
    const first = await provider.headers({});
    const stepUp = `Bearer error="insufficient_scope", scope="a b", resource_metadata="${as.prmUrl}"`;
    assert.equal(await challenge(provider, 403, stepUp, first), true);
    assert.equal(as.authorizations[1]!.get('scope'), 'a b');
    const second = await provider.headers({});
    assert.deepEqual(second, { authorization: 'Bearer at-2' });
    // Same scopes again: another authorization would be refused the same way.
    assert.equal(await challenge(provider, 403, stepUp, second), false);
    assert.equal(as.authorizations.length, 2);
    // A 403 that is not about scope is not an authorization problem.
    assert.equal(await challenge(provider, 403, 'Bearer error="invalid_token"', second), false);
  });

  it(`stops after ${MAX_AUTHORIZATIONS} authorizations in its window`, async () => {
    const provider = make();
    for (let i = 0; i < MAX_AUTHORIZATIONS; i++) {
      assert.equal(await challenge(provider, 401, unauthorized(`s${i}`), await provider.headers({})), true);
    }
    await assert.rejects(
      challenge(provider, 401, unauthorized('more'), await provider.headers({})),
      (err) => failureReason(err) === 'retry_budget_exhausted',
    );
    assert.equal(as.authorizations.length, MAX_AUTHORIZATIONS);
    clock += 6 * 60_000;
    assert.equal(await challenge(provider, 401, unauthorized('later'), await provider.headers({})), true);
  });

  it('shares one authorization between concurrent refusals and ignores refusals of replaced tokens', async () => {
    const provider = make();
    const results = await Promise.all([
      challenge(provider, 401, unauthorized(), {}),
      challenge(provider, 401, unauthorized(), {}),
      challenge(provider, 401, unauthorized(), {}),
    ]);
    assert.deepEqual(results, [true, true, true]);
    assert.equal(as.authorizations.length, 1);
    // A late 401 for a request sent without a token: the token obtained since is simply used.
    assert.equal(await challenge(provider, 401, unauthorized(), {}), true);
    assert.equal(as.authorizations.length, 1);
  });

  it('refreshes an expiring token with its refresh token, and drops a refused one', async () => {
    as.options = { expiresIn: 120, refreshTokens: true };
    const provider = make();
    await challenge(provider, 401, unauthorized('a'), {});
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer at-1' });
    clock += 100_000; // past the refresh margin (30 s before expiry)
    assert.deepEqual(await provider.headers({}), { authorization: 'Bearer at-2' });
    const refresh = as.tokenRequests().at(-1)!;
    assert.equal(refresh.form.get('grant_type'), 'refresh_token');
    assert.equal(refresh.form.get('refresh_token'), 'rt-1');
    assert.equal(refresh.form.get('resource'), as.mcpUrl);
    // A 401 on a current token tries the refresh token first, without asking the user.
    assert.equal(await challenge(provider, 401, unauthorized('a'), { authorization: 'Bearer at-2' }), true);
    assert.equal(as.authorizations.length, 1);
    as.options = { expiresIn: 120, refreshTokens: true, refuseRefresh: true };
    clock += 100_000;
    assert.deepEqual(await provider.headers({}), {});
  });

  it('validates iss: a mismatch stops the flow before the code is redeemed', async () => {
    as.options = { respond: () => ({ iss: 'https://evil.example' }) };
    await assert.rejects(
      challenge(make(), 401, unauthorized(), {}),
      (err) => failureReason(err) === 'iss_mismatch',
    );
    as.options = { issParameterSupported: true };
    await assert.rejects(
      challenge(make(), 401, unauthorized(), {}),
      (err) => failureReason(err) === 'iss_missing',
    );
    as.options = { issParameterSupported: true, respond: () => ({ iss: as.url }) };
    assert.equal(await challenge(make(), 401, unauthorized(), {}), true);
    assert.equal(as.tokenRequests().length, 1);
  });

  it('refuses a forged state', async () => {
    as.options = { respond: () => ({ state: 'forged' }) };
    await assert.rejects(
      challenge(make(), 401, unauthorized(), {}),
      (err) => failureReason(err) === 'state_mismatch',
    );
    assert.equal(as.tokenRequests().length, 0);
  });

  it('refuses a server without PKCE S256, and works without an authorizer only by failing clearly', async () => {
    as.options = { codeChallengeMethods: null };
    await assert.rejects(
      challenge(make(), 401, unauthorized(), {}),
      (err) => failureReason(err) === 'pkce_unsupported',
    );
    as.options = { codeChallengeMethods: ['plain'] };
    await assert.rejects(
      challenge(make(), 401, unauthorized(), {}),
      (err) => failureReason(err) === 'pkce_unsupported',
    );
    as.options = {};
    await assert.rejects(
      challenge(make({}, { authorizer: false }), 401, unauthorized(), {}),
      (err) => failureReason(err) === 'no_authorizer',
    );
    assert.equal(as.authorizations.length, 0);
  });

  it('prefers a pre-registered client, with its secret, bound to its issuer', async () => {
    process.env['RAMPART_TEST_UPSTREAM_SECRET'] = 'pre-secret';
    as.options = { authMethods: ['client_secret_post'], cimd: true };
    const provider = make({
      clientId: 'pre-client',
      clientSecret: { env: 'RAMPART_TEST_UPSTREAM_SECRET' },
      clientMetadataUrl: 'https://rampart.example.com/client.json',
    });
    await challenge(provider, 401, unauthorized(), {});
    assert.equal(as.authorizations[0]!.get('client_id'), 'pre-client');
    const tokenRequest = as.tokenRequests()[0]!;
    assert.equal(tokenRequest.form.get('client_secret'), 'pre-secret');
    assert.equal(as.server.hits('/register').length, 0);
    await assert.rejects(
      challenge(
        make({ clientId: 'pre-client', issuer: 'https://other-as.example.com' }),
        401,
        unauthorized(),
        {},
      ),
      (err) => failureReason(err) === 'client_issuer_mismatch',
    );
  });

  it('uses the CIMD URL as client id when the server supports it, DCR otherwise', async () => {
    as.options = { cimd: true };
    await challenge(
      make({ clientMetadataUrl: 'https://rampart.example.com/client.json' }),
      401,
      unauthorized(),
      {},
    );
    assert.equal(as.authorizations[0]!.get('client_id'), 'https://rampart.example.com/client.json');
    assert.equal(as.server.hits('/register').length, 0);
    as.options = {};
    await challenge(
      make({ clientMetadataUrl: 'https://rampart.example.com/client.json' }),
      401,
      unauthorized(),
      {},
    );
    assert.equal(as.server.hits('/register').length, 1);
  });

  it('keeps registrations and tokens by issuer in its store, reusing a registration', async () => {
    const store = new MemoryCredentialStore();
    await challenge(make({}, { store }), 401, unauthorized(), {});
    await challenge(make({}, { store }), 401, unauthorized(), {});
    assert.equal(as.server.hits('/register').length, 1);
    assert.equal(store.getClient(as.url)?.source, 'dcr');
    assert.equal(store.getTokens(as.url, as.mcpUrl)?.accessToken, 'at-2');
  });

  it('refuses a PRM naming another resource before any authorization', async () => {
    const provider = oauthProvider({
      spec: spec(),
      upstreamUrl: `${as.url}/other`,
      baseDir: '/',
      authorizer: as.authorizer,
      now,
    });
    await assert.rejects(
      challenge(provider, 401, unauthorized(), {}),
      (err) => failureReason(err) === 'resource_mismatch',
    );
    assert.equal(as.authorizations.length, 0);
  });
});
