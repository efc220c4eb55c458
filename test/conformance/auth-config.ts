// How the harness configures Rampart toward each auth/* scenario's mock server, the way an operator would
// configure an upstream: the credential type the upstream needs, with the client material the suite hands over
// in MCP_CONFORMANCE_CONTEXT written to secret files (Rampart never takes literal secrets). Also the harness's
// user agent for the authorization code flow: it opens the authorization URL and reads the redirect, which is
// what the suite's mock authorization server expects of a client.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { type AuthorizationResponse, parseCallback } from '../../src/upstream/credentials/authorization.ts';
import type { AuthorizationPrompt, Authorizer } from '../../src/upstream/credentials/authorizer.ts';

type Context = Record<string, unknown>;

/** The client id URL the suite's CIMD scenario expects (a deployment hosts its own document). */
export const HARNESS_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json';
/** Loopback redirect URI; the harness reads the redirect instead of serving it. */
export const HARNESS_REDIRECT_URI = 'http://127.0.0.1/rampart/oauth/callback';

export function readContext(raw: string | undefined): Context {
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Context) : {};
  } catch {
    return {};
  }
}

function text(context: Context, key: string): string {
  const value = context[key];
  if (typeof value !== 'string' || value === '') throw new Error(`the scenario context lacks ${key}`);
  return value;
}

/** Writes a secret from the context to a 0600 file in the harness's state directory. */
function secretFile(dir: string, name: string, value: string): { file: string } {
  const file = path.join(dir, `${name}.secret`);
  writeFileSync(file, value, { mode: 0o600 });
  return { file };
}

/** The `credentials` of the harness's upstream for a scenario, or undefined for scenarios without auth. */
export function credentialsFor(
  scenario: string,
  context: Context,
  dir: string,
): Record<string, unknown> | undefined {
  if (!scenario.startsWith('auth/')) return undefined;
  switch (scenario) {
    case 'auth/client-credentials-jwt':
      return {
        type: 'client_credentials',
        clientId: text(context, 'client_id'),
        privateKey: secretFile(dir, 'client-key', text(context, 'private_key_pem')),
        signingAlgorithm:
          typeof context['signing_algorithm'] === 'string' ? context['signing_algorithm'] : 'ES256',
      };
    case 'auth/client-credentials-basic':
      return {
        type: 'client_credentials',
        clientId: text(context, 'client_id'),
        clientSecret: secretFile(dir, 'client-secret', text(context, 'client_secret')),
        authMethod: 'client_secret_basic',
      };
    case 'auth/cross-app-access-complete-flow':
      // The IdP ID token stands for the user behind Rampart's own requests (connecting, listing).
      return {
        type: 'identity_assertion',
        idp: { tokenEndpoint: text(context, 'idp_token_endpoint'), clientId: text(context, 'idp_client_id') },
        clientId: text(context, 'client_id'),
        clientSecret: secretFile(dir, 'client-secret', text(context, 'client_secret')),
        serviceSubjectToken: secretFile(dir, 'subject-token', text(context, 'idp_id_token')),
      };
    case 'auth/pre-registration':
      return {
        type: 'oauth',
        clientId: text(context, 'client_id'),
        clientSecret: secretFile(dir, 'client-secret', text(context, 'client_secret')),
      };
    default:
      return { type: 'oauth', clientMetadataUrl: HARNESS_CLIENT_METADATA_URL };
  }
}

/** A user agent that approves at once: GET the authorization URL, read code/state/iss off the redirect. */
export function headlessAuthorizer(log: (line: string) => void): Authorizer {
  return {
    redirectUri: HARNESS_REDIRECT_URI,
    async authorize(prompt: AuthorizationPrompt): Promise<AuthorizationResponse> {
      log(`authorizing at ${new URL(prompt.url).origin}${new URL(prompt.url).pathname}`);
      const res = await request(prompt.url, { method: 'GET', signal: AbortSignal.timeout(10_000) });
      await res.body.dump();
      const location = res.headers['location'];
      if (res.statusCode < 300 || res.statusCode >= 400 || typeof location !== 'string') {
        throw new Error(`the authorization endpoint answered HTTP ${res.statusCode} without a redirect`);
      }
      const target = new URL(location, prompt.url);
      if (`${target.origin}${target.pathname}` !== prompt.redirectUri) {
        throw new Error('the authorization endpoint redirected somewhere else than the redirect URI');
      }
      return parseCallback(target.href);
    },
  };
}
