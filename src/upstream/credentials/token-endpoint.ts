// Token endpoint requests (OAuth 2.1 §3.2): client authentication in one of the ways MCP servers use, and
// a strict reading of the answer. Error details from the server are reduced to its `error` code, so nothing
// it echoes (or anything of ours) ends up in a log line or a client-visible message.
import { RampartError } from '../../errors.ts';
import { authFailed } from './auth-error.ts';
import { CLIENT_ASSERTION_TYPE } from './client-assertion.ts';
import { postForm } from './http.ts';
import { parseScope } from './scopes.ts';
import type { UrlPolicy } from './ssrf-guard.ts';

export type ClientAuth =
  | { readonly method: 'none'; readonly clientId: string }
  | {
      readonly method: 'client_secret_basic' | 'client_secret_post';
      readonly clientId: string;
      readonly secret: () => string;
    }
  | {
      readonly method: 'private_key_jwt';
      readonly clientId: string;
      readonly sign: (audience: string) => Promise<string>;
    };

export interface TokenResponse {
  readonly accessToken: string;
  readonly tokenType: string;
  readonly refreshToken: string | undefined;
  /** Granted scopes when the server said; undefined when it did not (then they equal the requested ones). */
  readonly scopes: string[] | undefined;
  readonly issuedTokenType: string | undefined;
  /** Epoch ms after which the token should no longer be used (a margin before its real expiry). */
  readonly refreshAt: number | undefined;
}

/** Stop using a token this long before it expires (half its lifetime for very short-lived tokens). */
const EXPIRY_MARGIN_MS = 30_000;

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined for HTTP Basic. */
function basic(clientId: string, secret: string): string {
  const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** Adds the client authentication to a token request's form and headers. */
export async function applyClientAuth(
  form: URLSearchParams,
  headers: Record<string, string>,
  auth: ClientAuth,
  audience: string,
): Promise<void> {
  switch (auth.method) {
    case 'none':
      form.set('client_id', auth.clientId);
      return;
    case 'client_secret_basic':
      headers['authorization'] = basic(auth.clientId, auth.secret());
      return;
    case 'client_secret_post':
      form.set('client_id', auth.clientId);
      form.set('client_secret', auth.secret());
      return;
    case 'private_key_jwt':
      form.set('client_id', auth.clientId);
      form.set('client_assertion_type', CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', await auth.sign(audience));
      return;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a successful token response; `now` is injectable for tests. */
export function parseTokenResponse(json: unknown, now: number): TokenResponse {
  if (!isObject(json) || typeof json['access_token'] !== 'string' || json['access_token'] === '') {
    throw authFailed('token_response_invalid', 'the token endpoint answered without an access token');
  }
  const lifetime = json['expires_in'];
  let refreshAt: number | undefined;
  if (typeof lifetime === 'number' && Number.isFinite(lifetime) && lifetime > 0) {
    const ms = lifetime * 1000;
    refreshAt = now + ms - Math.min(EXPIRY_MARGIN_MS, ms / 2);
  }
  return {
    accessToken: json['access_token'],
    tokenType: typeof json['token_type'] === 'string' ? json['token_type'] : '',
    refreshToken: typeof json['refresh_token'] === 'string' ? json['refresh_token'] : undefined,
    scopes: typeof json['scope'] === 'string' ? parseScope(json['scope']) : undefined,
    issuedTokenType: typeof json['issued_token_type'] === 'string' ? json['issued_token_type'] : undefined,
    refreshAt,
  };
}

export interface TokenRequest {
  readonly endpoint: string;
  /** Grant parameters; undefined values are left out. */
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly auth: ClientAuth;
  /** Audience of a private_key_jwt assertion: the authorization server's issuer (else the endpoint). */
  readonly audience?: string | undefined;
  /** SSRF policy for a discovered endpoint; undefined for one from Rampart's own configuration. */
  readonly policy: UrlPolicy | undefined;
  readonly now?: (() => number) | undefined;
}

export async function requestToken(request: TokenRequest): Promise<TokenResponse> {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(request.params)) if (value !== undefined) form.set(key, value);
  const headers: Record<string, string> = {};
  await applyClientAuth(form, headers, request.auth, request.audience ?? request.endpoint);
  const result = await postForm(request.endpoint, form, headers, request.policy, 'token endpoint');
  if (result.status < 200 || result.status >= 300) {
    const error =
      isObject(result.json) && typeof result.json['error'] === 'string' ? result.json['error'] : '';
    // Only a well-formed OAuth error code is kept (RFC 6749 §5.2 limits it to printable ASCII).
    const oauthError = /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,64}$/.test(error) ? error : 'unknown';
    throw authFailed(
      'token_request_failed',
      `the token endpoint answered HTTP ${result.status} (${oauthError})`,
      { oauthError },
    );
  }
  return parseTokenResponse(result.json, (request.now ?? Date.now)());
}

/** True for a token usable as `Authorization: Bearer` (token_type is case-insensitive, RFC 6749 §5.1). */
export function isBearer(response: TokenResponse): boolean {
  return response.tokenType.toLowerCase() === 'bearer';
}

/** The OAuth error code of a failed token request, for callers that react to `invalid_client` and such. */
export function tokenErrorCode(err: unknown): string | undefined {
  const data = err instanceof RampartError ? err.data : undefined;
  return typeof data?.['oauthError'] === 'string' ? data['oauthError'] : undefined;
}
