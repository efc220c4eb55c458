import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import {
  CLIENT_ASSERTION_TYPE,
  clientAssertionSigner,
} from '../../../src/upstream/credentials/client-assertion.ts';
import {
  applyClientAuth,
  isBearer,
  parseTokenResponse,
  requestToken,
  tokenErrorCode,
} from '../../../src/upstream/credentials/token-endpoint.ts';
import { type Handler, type LocalServer, startServer } from './local-server.ts';

describe('client authentication at the token endpoint', () => {
  it('client_secret_basic form-encodes id and secret before base64', async () => {
    const form = new URLSearchParams();
    const headers: Record<string, string> = {};
    await applyClientAuth(
      form,
      headers,
      { method: 'client_secret_basic', clientId: 'id:1', secret: () => 's p/é' },
      'a',
    );
    const decoded = Buffer.from(headers['authorization']!.slice(6), 'base64').toString();
    assert.equal(decoded, 'id%3A1:s+p%2F%C3%A9');
    assert.equal(form.has('client_secret'), false);
    assert.equal(form.has('client_id'), false);
  });

  it('client_secret_post and none put the client in the body', async () => {
    const post = new URLSearchParams();
    await applyClientAuth(post, {}, { method: 'client_secret_post', clientId: 'c', secret: () => 's' }, 'a');
    assert.equal(post.get('client_id'), 'c');
    assert.equal(post.get('client_secret'), 's');
    const none = new URLSearchParams();
    const headers: Record<string, string> = {};
    await applyClientAuth(none, headers, { method: 'none', clientId: 'c' }, 'a');
    assert.equal(none.get('client_id'), 'c');
    assert.equal(none.has('client_secret'), false);
    assert.deepEqual(headers, {});
  });

  it('private_key_jwt signs a short-lived assertion for the authorization server', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pem = await exportPKCS8(privateKey);
    const form = new URLSearchParams();
    const sign = clientAssertionSigner('client-7', 'ES256', () => pem);
    await applyClientAuth(
      form,
      {},
      { method: 'private_key_jwt', clientId: 'client-7', sign },
      'https://as.example',
    );
    assert.equal(form.get('client_assertion_type'), CLIENT_ASSERTION_TYPE);
    const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion')!, publicKey, {
      audience: 'https://as.example',
      issuer: 'client-7',
      subject: 'client-7',
    });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.ok(typeof payload.jti === 'string');
    assert.ok(payload.exp! - payload.iat! <= 60);
    // Each assertion is unique (jti), so a captured one cannot be replayed as ours.
    const again = new URLSearchParams();
    await applyClientAuth(
      again,
      {},
      { method: 'private_key_jwt', clientId: 'client-7', sign },
      'https://as.example',
    );
    assert.notEqual(again.get('client_assertion'), form.get('client_assertion'));
  });

  it('refuses a key that is not PKCS#8 for the algorithm', async () => {
    const sign = clientAssertionSigner('c', 'ES256', () => 'not a key');
    await assert.rejects(sign('a'), (err) => failureReason(err) === 'client_key_invalid');
  });
});

describe('token responses', () => {
  it('reads token, type, refresh token, scope and a refresh time before expiry', () => {
    const now = 1_000_000;
    const response = parseTokenResponse(
      { access_token: 'at', token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt', scope: 'a b' },
      now,
    );
    assert.equal(response.accessToken, 'at');
    assert.equal(response.refreshToken, 'rt');
    assert.deepEqual(response.scopes, ['a', 'b']);
    assert.equal(response.refreshAt, now + 3_600_000 - 30_000);
    assert.ok(isBearer(response));
    assert.equal(parseTokenResponse({ access_token: 'x', expires_in: 10 }, now).refreshAt, now + 5_000);
    assert.equal(parseTokenResponse({ access_token: 'x' }, now).refreshAt, undefined);
    assert.ok(!isBearer(parseTokenResponse({ access_token: 'x', token_type: 'N_A' }, now)));
  });

  it('refuses an answer without an access token', () => {
    assert.throws(
      () => parseTokenResponse({ token_type: 'Bearer' }, 0),
      (err) => failureReason(err) === 'token_response_invalid',
    );
  });
});

describe('token requests', () => {
  let local: LocalServer;
  let handler: Handler = () => undefined;
  before(async () => {
    local = await startServer((req, base) => handler(req, base));
  });
  after(() => local.close());

  it('posts the grant as a form and leaves undefined parameters out', async () => {
    handler = () => ({ json: { access_token: 'at', token_type: 'bearer' } });
    const response = await requestToken({
      endpoint: `${local.url}/token`,
      params: { grant_type: 'client_credentials', scope: undefined, resource: 'https://mcp.example.com/mcp' },
      auth: { method: 'client_secret_post', clientId: 'c', secret: () => 's' },
      policy: undefined,
    });
    assert.equal(response.accessToken, 'at');
    const sent = local.hits('/token').at(-1)!;
    assert.equal(sent.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(sent.form.get('grant_type'), 'client_credentials');
    assert.equal(sent.form.get('resource'), 'https://mcp.example.com/mcp');
    assert.equal(sent.form.has('scope'), false);
  });

  it('reports only the OAuth error code, never the description', async () => {
    handler = () => ({
      status: 401,
      json: { error: 'invalid_client', error_description: 'secret s3cr3t is wrong' },
    });
    const err = await requestToken({
      endpoint: `${local.url}/token`,
      params: { grant_type: 'client_credentials' },
      auth: { method: 'client_secret_basic', clientId: 'c', secret: () => 's3cr3t' },
      policy: undefined,
    }).catch((e: Error) => e);
    assert.equal(failureReason(err), 'token_request_failed');
    assert.equal(tokenErrorCode(err), 'invalid_client');
    assert.ok(!(err as Error).message.includes('s3cr3t'));
    handler = () => ({ status: 400, json: { error: 'bad "quoted" \\ code' } });
    const odd = await requestToken({
      endpoint: `${local.url}/token`,
      params: {},
      auth: { method: 'none', clientId: 'c' },
      policy: undefined,
    }).catch((e: Error) => e);
    assert.equal(tokenErrorCode(odd), 'unknown');
  });
});
