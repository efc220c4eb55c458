// The authorization request and the validation of its response: PKCE S256, RFC 8707 `resource`, a random
// `state` compared in constant time, and the RFC 9207 `iss` check (done before the code goes anywhere, and
// before an `error` is believed: on an issuer mismatch the response is not acted upon at all).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authFailed } from './auth-error.ts';

export interface AuthorizationParams {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly state: string;
  readonly scope: string | undefined;
  readonly resource: string;
}

/** What came back on the redirect URI (query parameters of the callback). */
export interface AuthorizationResponse {
  readonly code?: string | undefined;
  readonly state?: string | undefined;
  readonly iss?: string | undefined;
  readonly error?: string | undefined;
  readonly errorDescription?: string | undefined;
}

export function createState(): string {
  return randomBytes(32).toString('base64url');
}

export function buildAuthorizationUrl(endpoint: string, params: AuthorizationParams): string {
  const url = new URL(endpoint);
  const query = url.searchParams;
  query.set('response_type', 'code');
  query.set('client_id', params.clientId);
  query.set('redirect_uri', params.redirectUri);
  query.set('code_challenge', params.codeChallenge);
  query.set('code_challenge_method', 'S256');
  query.set('state', params.state);
  if (params.scope !== undefined) query.set('scope', params.scope);
  query.set('resource', params.resource);
  return url.href;
}

/** Reads the callback's query (a full URL or its search part). */
export function parseCallback(input: string | URLSearchParams): AuthorizationResponse {
  const query = typeof input === 'string' ? new URL(input, 'http://callback.invalid').searchParams : input;
  const get = (name: string) => query.get(name) ?? undefined;
  return {
    code: get('code'),
    state: get('state'),
    iss: get('iss'),
    error: get('error'),
    errorDescription: get('error_description'),
  };
}

/** Constant-time string equality (hashing first makes the lengths equal). */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export interface ExpectedResponse {
  readonly state: string;
  /** The issuer recorded from the validated metadata before redirecting. */
  readonly issuer: string;
  /** `authorization_response_iss_parameter_supported` of that metadata. */
  readonly issParameterSupported: boolean;
}

/** The authorization code, once state and issuer check out; throws with a stable reason otherwise. */
export function validateAuthorizationResponse(
  response: AuthorizationResponse,
  expected: ExpectedResponse,
): string {
  if (response.state === undefined || !safeEqual(response.state, expected.state)) {
    throw authFailed('state_mismatch', 'the authorization response does not carry our state');
  }
  // RFC 9207 §2.4 as MCP tables it: a present iss is always compared, exactly (no normalisation); an absent
  // one is refused only when the server advertised that it sends it.
  if (response.iss !== undefined) {
    if (response.iss !== expected.issuer) {
      throw authFailed('iss_mismatch', 'the authorization response comes from another issuer');
    }
  } else if (expected.issParameterSupported) {
    throw authFailed('iss_missing', 'the authorization response lacks the iss parameter');
  }
  if (response.error !== undefined) {
    throw authFailed('authorization_denied', `authorization failed: ${response.error.slice(0, 64)}`);
  }
  if (response.code === undefined || response.code === '') {
    throw authFailed('code_missing', 'the authorization response carries no code');
  }
  return response.code;
}
