import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { failureReason } from '../../../src/upstream/credentials/auth-error.ts';
import type { AuthorizationServerMetadata } from '../../../src/upstream/credentials/discovery.ts';
import {
  applicationType,
  chooseRegistration,
  clientMetadataDocument,
  isValidClientMetadataUrl,
  pickSecretMethod,
  registerClient,
  registrationMethod,
  registrationRequest,
} from '../../../src/upstream/credentials/registration.ts';
import { policyForUpstream } from '../../../src/upstream/credentials/ssrf-guard.ts';
import { type Handler, type LocalServer, startServer } from './local-server.ts';

const server = (extra: Partial<AuthorizationServerMetadata> = {}): AuthorizationServerMetadata => ({
  issuer: 'https://auth.example.com',
  authorizationEndpoint: 'https://auth.example.com/authorize',
  tokenEndpoint: 'https://auth.example.com/token',
  registrationEndpoint: undefined,
  scopesSupported: undefined,
  codeChallengeMethods: ['S256'],
  tokenEndpointAuthMethods: undefined,
  clientIdMetadataDocumentSupported: false,
  issParameterSupported: false,
  source: 'metadata',
  ...extra,
});
const CIMD = 'https://rampart.example.com/client.json';

describe('client registration choice', () => {
  it('follows the priority: pre-registered, CIMD when supported, DCR', () => {
    const all = server({
      clientIdMetadataDocumentSupported: true,
      registrationEndpoint: 'https://a/register',
    });
    assert.equal(
      chooseRegistration({ preregistered: true, clientMetadataUrl: CIMD, server: all }),
      'preregistered',
    );
    assert.equal(chooseRegistration({ preregistered: false, clientMetadataUrl: CIMD, server: all }), 'cimd');
    assert.equal(
      chooseRegistration({ preregistered: false, clientMetadataUrl: undefined, server: all }),
      'dcr',
    );
    assert.equal(
      chooseRegistration({
        preregistered: false,
        clientMetadataUrl: CIMD,
        server: server({ registrationEndpoint: 'https://a/register' }),
      }),
      'dcr',
    );
    assert.throws(
      () => chooseRegistration({ preregistered: false, clientMetadataUrl: CIMD, server: server() }),
      (err) => failureReason(err) === 'registration_unavailable',
    );
  });

  it('requires an https CIMD URL with a path', () => {
    assert.ok(isValidClientMetadataUrl(CIMD));
    assert.ok(!isValidClientMetadataUrl('https://rampart.example.com/'));
    assert.ok(!isValidClientMetadataUrl('http://rampart.example.com/client.json'));
  });

  it('picks the token endpoint method from the metadata', () => {
    assert.equal(pickSecretMethod(undefined), 'client_secret_basic');
    assert.equal(pickSecretMethod(['client_secret_post', 'client_secret_basic']), 'client_secret_basic');
    assert.equal(pickSecretMethod(['client_secret_post']), 'client_secret_post');
    assert.equal(pickSecretMethod(['none']), undefined);
    assert.equal(registrationMethod(['none']), 'none');
    assert.equal(registrationMethod(['private_key_jwt', 'client_secret_post']), 'client_secret_post');
  });

  it('registers as a native app for loopback redirects, with refresh tokens', () => {
    assert.equal(applicationType('http://127.0.0.1:8787/cb'), 'native');
    assert.equal(applicationType('https://rampart.example.com/cb'), 'web');
    assert.deepEqual(
      registrationRequest({ clientName: 'Rampart', redirectUri: 'http://localhost/cb', authMethod: 'none' }),
      {
        client_name: 'Rampart',
        redirect_uris: ['http://localhost/cb'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    );
    const document = clientMetadataDocument({
      clientId: CIMD,
      clientName: 'Rampart',
      redirectUris: ['https://r/cb'],
    });
    assert.equal(document['client_id'], CIMD);
    assert.deepEqual(document['redirect_uris'], ['https://r/cb']);
  });
});

describe('dynamic client registration', () => {
  let local: LocalServer;
  let handler: Handler = () => undefined;
  before(async () => {
    local = await startServer((req, base) => handler(req, base));
  });
  after(() => local.close());
  const metadata = () => server({ issuer: local.url, registrationEndpoint: `${local.url}/register` });
  const request = registrationRequest({
    clientName: 'Rampart',
    redirectUri: 'http://127.0.0.1/cb',
    authMethod: 'client_secret_basic',
  });

  it('posts the metadata and keeps what the server issued', async () => {
    handler = () => ({
      status: 201,
      json: { client_id: 'c1', client_secret: 's1', token_endpoint_auth_method: 'client_secret_post' },
    });
    const client = await registerClient(metadata(), request, policyForUpstream(local.url));
    assert.deepEqual(client, {
      issuer: local.url,
      clientId: 'c1',
      clientSecret: 's1',
      authMethod: 'client_secret_post',
      source: 'dcr',
    });
    assert.equal(JSON.parse(local.hits('/register')[0]!.body).client_name, 'Rampart');
  });

  it('falls back to a public client when no secret was issued', async () => {
    handler = () => ({ status: 201, json: { client_id: 'c2' } });
    const client = await registerClient(metadata(), request, policyForUpstream(local.url));
    assert.equal(client.authMethod, 'none');
  });

  it('fails with a stable reason on refusal or an unsupported method', async () => {
    handler = () => ({ status: 400, json: { error: 'invalid_redirect_uri' } });
    await assert.rejects(
      registerClient(metadata(), request, policyForUpstream(local.url)),
      (err) => failureReason(err) === 'registration_failed',
    );
    handler = () => ({
      status: 201,
      json: { client_id: 'c3', token_endpoint_auth_method: 'tls_client_auth' },
    });
    await assert.rejects(
      registerClient(metadata(), request, policyForUpstream(local.url)),
      (err) => failureReason(err) === 'registration_failed',
    );
  });
});
