import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import {
  buildAuthorizationUrl,
  createState,
  parseCallback,
  safeEqual,
  validateAuthorizationResponse,
} from '../../../src/upstream/credentials/authorization.ts';
import { CallbackAuthorizer } from '../../../src/upstream/credentials/authorizer.ts';

const ISSUER = 'https://auth.example.com';

describe('authorization request', () => {
  it('carries PKCE S256, state, scope and the resource indicator', () => {
    const url = new URL(
      buildAuthorizationUrl('https://auth.example.com/authorize?tenant=1', {
        clientId: 'client-1',
        redirectUri: 'http://127.0.0.1:8787/oauth/callback',
        codeChallenge: 'challenge',
        state: 'state-1',
        scope: 'files:read offline_access',
        resource: 'https://mcp.example.com/mcp',
      }),
    );
    assert.equal(url.searchParams.get('tenant'), '1');
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('client_id'), 'client-1');
    assert.equal(url.searchParams.get('redirect_uri'), 'http://127.0.0.1:8787/oauth/callback');
    assert.equal(url.searchParams.get('code_challenge'), 'challenge');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('state'), 'state-1');
    assert.equal(url.searchParams.get('scope'), 'files:read offline_access');
    assert.equal(url.searchParams.get('resource'), 'https://mcp.example.com/mcp');
  });

  it('omits scope when none was selected', () => {
    const url = buildAuthorizationUrl(`${ISSUER}/authorize`, {
      clientId: 'c',
      redirectUri: 'http://127.0.0.1/cb',
      codeChallenge: 'x',
      state: 's',
      scope: undefined,
      resource: 'https://mcp.example.com',
    });
    assert.equal(new URL(url).searchParams.has('scope'), false);
  });

  it('makes unguessable states and compares them in constant time', () => {
    assert.notEqual(createState(), createState());
    assert.match(createState(), /^[A-Za-z0-9_-]{43}$/);
    assert.ok(safeEqual('abc', 'abc'));
    assert.ok(!safeEqual('abc', 'abd'));
    assert.ok(!safeEqual('abc', 'abcd'));
  });
});

describe('authorization response (RFC 9207 table)', () => {
  const expected = (issParameterSupported: boolean) => ({
    state: 's1',
    issuer: ISSUER,
    issParameterSupported,
  });
  const reason = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return failureReason(err);
    }
    return 'accepted';
  };

  it('advertised + present: compared exactly', () => {
    assert.equal(validateAuthorizationResponse({ code: 'c', state: 's1', iss: ISSUER }, expected(true)), 'c');
    assert.equal(
      reason(() =>
        validateAuthorizationResponse({ code: 'c', state: 's1', iss: `${ISSUER}/` }, expected(true)),
      ),
      'iss_mismatch',
    );
    assert.equal(
      reason(() =>
        validateAuthorizationResponse(
          { code: 'c', state: 's1', iss: 'HTTPS://auth.example.com' },
          expected(true),
        ),
      ),
      'iss_mismatch',
    );
  });

  it('advertised + absent: refused', () => {
    assert.equal(
      reason(() => validateAuthorizationResponse({ code: 'c', state: 's1' }, expected(true))),
      'iss_missing',
    );
  });

  it('not advertised + present: still compared', () => {
    assert.equal(
      reason(() =>
        validateAuthorizationResponse(
          { code: 'c', state: 's1', iss: 'https://evil.example' },
          expected(false),
        ),
      ),
      'iss_mismatch',
    );
  });

  it('not advertised + absent: proceeds', () => {
    assert.equal(validateAuthorizationResponse({ code: 'c', state: 's1' }, expected(false)), 'c');
  });

  it('checks state first, and an error only after the issuer matched', () => {
    assert.equal(
      reason(() => validateAuthorizationResponse({ code: 'c', state: 's2' }, expected(false))),
      'state_mismatch',
    );
    assert.equal(
      reason(() => validateAuthorizationResponse({ code: 'c' }, expected(false))),
      'state_mismatch',
    );
    assert.equal(
      reason(() =>
        validateAuthorizationResponse(
          { state: 's1', iss: 'https://evil.example', error: 'access_denied' },
          expected(false),
        ),
      ),
      'iss_mismatch',
    );
    assert.equal(
      reason(() => validateAuthorizationResponse({ state: 's1', error: 'access_denied' }, expected(false))),
      'authorization_denied',
    );
    assert.equal(
      reason(() => validateAuthorizationResponse({ state: 's1' }, expected(false))),
      'code_missing',
    );
  });

  it('parses a callback URL or query', () => {
    assert.deepEqual(parseCallback('http://127.0.0.1/cb?code=c&state=s&iss=https%3A%2F%2Fauth.example.com'), {
      code: 'c',
      state: 's',
      iss: ISSUER,
      error: undefined,
      errorDescription: undefined,
    });
    assert.equal(parseCallback('?error=access_denied&state=s').error, 'access_denied');
  });
});

describe('callback authorizer', () => {
  it('resolves the pending authorization its callback names, once', async () => {
    const authorizer = new CallbackAuthorizer('http://127.0.0.1:8787/oauth/callback');
    const pending = authorizer.authorize({
      url: `${ISSUER}/authorize?state=s1`,
      state: 's1',
      redirectUri: authorizer.redirectUri,
      upstream: 'https://mcp.example.com/mcp',
      issuer: ISSUER,
    });
    assert.equal(authorizer.complete('/oauth/callback?code=c&state=unknown'), false);
    assert.equal(authorizer.complete('/oauth/callback?code=c&state=s1'), true);
    assert.equal(authorizer.complete('/oauth/callback?code=c&state=s1'), false);
    assert.deepEqual(await pending, parseCallback('?code=c&state=s1'));
  });

  it('gives up after its wait', async () => {
    const authorizer = new CallbackAuthorizer('http://127.0.0.1/cb', { waitMs: 10 });
    await assert.rejects(
      authorizer.authorize({
        url: 'x',
        state: 's',
        redirectUri: 'http://127.0.0.1/cb',
        upstream: 'u',
        issuer: 'i',
      }),
      (err) => failureReason(err) === 'authorization_denied',
    );
  });
});
