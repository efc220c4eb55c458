// Client registration in MCP's priority order: a pre-registered client, else a Client ID Metadata Document
// (when the server advertises support), else RFC 7591 dynamic registration (deprecated, kept for older
// servers). Also the CIMD document Rampart would host at its client id URL.
import { authFailed } from './auth-error.ts';
import type { AuthorizationServerMetadata } from './discovery.ts';
import { postJson } from './http.ts';
import { isLoopbackHost, type UrlPolicy } from './ssrf-guard.ts';
import type { ClientAuthMethod, ClientRegistration } from './store.ts';

export type RegistrationKind = ClientRegistration['source'];

export function chooseRegistration(options: {
  preregistered: boolean;
  clientMetadataUrl: string | undefined;
  server: AuthorizationServerMetadata;
}): RegistrationKind {
  if (options.preregistered) return 'preregistered';
  if (options.clientMetadataUrl !== undefined && options.server.clientIdMetadataDocumentSupported)
    return 'cimd';
  if (options.server.registrationEndpoint !== undefined) return 'dcr';
  throw authFailed(
    'registration_unavailable',
    'the authorization server offers no registration Rampart can use; configure a pre-registered client',
  );
}

/** A CIMD client id is an https URL with a path (the document's URL). */
export function isValidClientMetadataUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' && parsed.pathname !== '/' && parsed.hash === '';
  } catch {
    return false;
  }
}

/**
 * The secret-based method to use with a server: client_secret_basic when it lists it or lists nothing (the
 * RFC 8414 default), else client_secret_post when listed; undefined when it supports neither.
 */
export function pickSecretMethod(
  supported: readonly string[] | undefined,
): 'client_secret_basic' | 'client_secret_post' | undefined {
  if (supported === undefined || supported.includes('client_secret_basic')) return 'client_secret_basic';
  if (supported.includes('client_secret_post')) return 'client_secret_post';
  return undefined;
}

/** What Rampart asks for in dynamic registration: a confidential client when the server allows one. */
export function registrationMethod(supported: readonly string[] | undefined): ClientAuthMethod {
  return pickSecretMethod(supported) ?? 'none';
}

/** OIDC registration: `native` for loopback redirect URIs (Rampart on the operator's machine), else `web`. */
export function applicationType(redirectUri: string): 'native' | 'web' {
  return isLoopbackHost(new URL(redirectUri).hostname) ? 'native' : 'web';
}

export function registrationRequest(options: {
  clientName: string;
  redirectUri: string;
  authMethod: ClientAuthMethod;
}): Record<string, unknown> {
  return {
    client_name: options.clientName,
    redirect_uris: [options.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: options.authMethod,
    application_type: applicationType(options.redirectUri),
  };
}

const SUPPORTED: ReadonlySet<string> = new Set(['none', 'client_secret_basic', 'client_secret_post']);

/** RFC 7591 registration; the returned method is the server's answer, else the one asked for. */
export async function registerClient(
  server: AuthorizationServerMetadata,
  request: Record<string, unknown>,
  policy: UrlPolicy,
): Promise<ClientRegistration> {
  const endpoint = server.registrationEndpoint;
  if (endpoint === undefined) throw authFailed('registration_unavailable', 'no registration endpoint');
  const result = await postJson(endpoint, request, policy, 'registration endpoint');
  const body = result.json as Record<string, unknown> | undefined;
  if (result.status < 200 || result.status >= 300 || typeof body?.['client_id'] !== 'string') {
    throw authFailed('registration_failed', `dynamic client registration answered HTTP ${result.status}`);
  }
  const secret = typeof body['client_secret'] === 'string' ? body['client_secret'] : undefined;
  const answered = body['token_endpoint_auth_method'];
  let method = (typeof answered === 'string' ? answered : request['token_endpoint_auth_method']) as string;
  if (!SUPPORTED.has(method)) {
    throw authFailed(
      'registration_failed',
      `registered client uses an unsupported method ${method.slice(0, 40)}`,
    );
  }
  if (method !== 'none' && secret === undefined) method = 'none';
  return {
    issuer: server.issuer,
    clientId: body['client_id'],
    clientSecret: secret,
    authMethod: method as ClientAuthMethod,
    source: 'dcr',
  };
}

/** The Client ID Metadata Document to publish at `clientId` (its URL), for operators hosting Rampart's. */
export function clientMetadataDocument(options: {
  clientId: string;
  clientName: string;
  redirectUris: readonly string[];
}): Record<string, unknown> {
  return {
    client_id: options.clientId,
    client_name: options.clientName,
    redirect_uris: [...options.redirectUris],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}
