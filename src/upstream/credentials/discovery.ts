// Discovery of the authorization server of an upstream: RFC 9728 Protected Resource Metadata (the challenge's
// resource_metadata URL, else the path-suffixed well-known URL, else the root one), then RFC 8414 / OpenID
// Connect metadata of the issuer in the order MCP prescribes. Without any PRM, the 2025-03-26 behaviour
// applies: metadata at the upstream's origin, else the default /authorize, /token and /register endpoints.
import { RampartError } from '../../errors.ts';
import { authFailed } from './auth-error.ts';
import { getJson } from './http.ts';
import { canonicalResource, resourceMatches } from './resource.ts';
import type { UrlPolicy } from './ssrf-guard.ts';

export interface ProtectedResourceMetadata {
  /** The resource identifier the document declares (validated against the upstream URL). */
  readonly resource: string;
  readonly authorizationServers: readonly string[];
  readonly scopesSupported: readonly string[] | undefined;
}

export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly authorizationEndpoint: string | undefined;
  readonly tokenEndpoint: string;
  readonly registrationEndpoint: string | undefined;
  readonly scopesSupported: readonly string[] | undefined;
  readonly codeChallengeMethods: readonly string[] | undefined;
  readonly tokenEndpointAuthMethods: readonly string[] | undefined;
  readonly clientIdMetadataDocumentSupported: boolean;
  readonly issParameterSupported: boolean;
  /**
   * How the metadata was found: `metadata` (validated issuer), `legacy-metadata` (2025-03-26 document at the
   * upstream's origin) or `default-endpoints` (no document at all: the 2025-03-26 fallback paths).
   */
  readonly source: 'metadata' | 'legacy-metadata' | 'default-endpoints';
}

const PRM_SUFFIX = '/.well-known/oauth-protected-resource';

/** PRM URLs to try, in order: the challenge's, then path-suffixed, then root (RFC 9728 §3.1). */
export function prmCandidates(upstreamUrl: string, fromChallenge: string | undefined): string[] {
  const url = new URL(upstreamUrl);
  const path = url.pathname.replace(/\/$/, '');
  const candidates = fromChallenge ? [fromChallenge] : [];
  if (path !== '') candidates.push(`${url.origin}${PRM_SUFFIX}${path}`);
  candidates.push(`${url.origin}${PRM_SUFFIX}`);
  return [...new Set(candidates)];
}

/**
 * Authorization server metadata URLs for an issuer, in MCP's order: for an issuer with a path, RFC 8414 path
 * insertion, OIDC path insertion, OIDC path appending; for one without, the two root forms.
 */
export function asMetadataCandidates(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  if (path === '') {
    return [
      `${url.origin}/.well-known/oauth-authorization-server`,
      `${url.origin}/.well-known/openid-configuration`,
    ];
  }
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates a PRM document; undefined when it is not one (then the next candidate is tried). */
export function parsePrm(
  json: unknown,
  upstreamUrl: string,
  fromRoot: boolean,
): ProtectedResourceMetadata | undefined {
  if (!isObject(json)) return undefined;
  const servers = stringList(json['authorization_servers']);
  if (!servers || servers.length === 0) return undefined;
  const declared = json['resource'];
  // RFC 9728 makes `resource` required; tolerate its absence by assuming the URL the document was found for.
  const resource =
    typeof declared === 'string'
      ? declared
      : fromRoot
        ? new URL(upstreamUrl).origin
        : canonicalResource(upstreamUrl);
  if (!resourceMatches(resource, upstreamUrl)) {
    throw authFailed('resource_mismatch', 'the protected resource metadata names another resource');
  }
  return { resource, authorizationServers: servers, scopesSupported: stringList(json['scopes_supported']) };
}

/** The upstream's PRM, or undefined when no candidate URL serves one. */
export async function discoverProtectedResource(
  upstreamUrl: string,
  fromChallenge: string | undefined,
  policy: UrlPolicy,
): Promise<ProtectedResourceMetadata | undefined> {
  const root = `${new URL(upstreamUrl).origin}${PRM_SUFFIX}`;
  for (const candidate of prmCandidates(upstreamUrl, fromChallenge)) {
    let result: Awaited<ReturnType<typeof getJson>>;
    try {
      result = await getJson(candidate, policy, 'protected resource metadata URL');
    } catch (err) {
      // A refused or unreachable candidate (e.g. a challenge URL pointing inside the network) is skipped; the
      // well-known URLs derive from the configured upstream URL.
      if (err instanceof RampartError) continue;
      throw err;
    }
    if (result.status !== 200) continue;
    const prm = parsePrm(result.json, upstreamUrl, candidate === root);
    if (prm) return prm;
  }
  return undefined;
}

/** Validates an AS metadata document fetched for `issuer` (RFC 8414 §3.3: identical issuer). */
export function parseAsMetadata(
  json: unknown,
  expectedIssuer: string | undefined,
  source: AuthorizationServerMetadata['source'],
): AuthorizationServerMetadata | undefined {
  if (!isObject(json)) return undefined;
  const issuer = json['issuer'];
  const token = json['token_endpoint'];
  if (typeof issuer !== 'string' || typeof token !== 'string') return undefined;
  if (expectedIssuer !== undefined && issuer !== expectedIssuer) return undefined;
  const text = (key: string) => (typeof json[key] === 'string' ? (json[key] as string) : undefined);
  return {
    issuer,
    authorizationEndpoint: text('authorization_endpoint'),
    tokenEndpoint: token,
    registrationEndpoint: text('registration_endpoint'),
    scopesSupported: stringList(json['scopes_supported']),
    codeChallengeMethods: stringList(json['code_challenge_methods_supported']),
    tokenEndpointAuthMethods: stringList(json['token_endpoint_auth_methods_supported']),
    clientIdMetadataDocumentSupported: json['client_id_metadata_document_supported'] === true,
    issParameterSupported: json['authorization_response_iss_parameter_supported'] === true,
    source,
  };
}

/**
 * The metadata of `issuer`, or undefined when none of its well-known URLs serves a valid document. `policy` is
 * undefined only for an issuer from Rampart's own configuration.
 */
export async function discoverAuthorizationServer(
  issuer: string,
  policy: UrlPolicy | undefined,
): Promise<AuthorizationServerMetadata | undefined> {
  let refused: RampartError | undefined;
  for (const candidate of asMetadataCandidates(issuer)) {
    let result: Awaited<ReturnType<typeof getJson>>;
    try {
      result = await getJson(candidate, policy, 'authorization server metadata URL');
    } catch (err) {
      if (!(err instanceof RampartError)) throw err;
      if (err.code === 'RAMPART_SSRF_BLOCKED') refused = err;
      continue;
    }
    if (result.status !== 200) continue;
    // A document for another issuer is never used (mix-up defence), but the next form may still be right.
    const metadata = parseAsMetadata(result.json, issuer, 'metadata');
    if (metadata) return metadata;
  }
  // An issuer Rampart may not contact is reported as such, not as "no metadata".
  if (refused) throw refused;
  return undefined;
}

/**
 * 2025-03-26 servers publish no PRM: the authorization base URL is the upstream's origin. Its RFC 8414 document
 * is used when it has the same origin (older servers put their AS under a path there, so the issuer may carry
 * one); without a document the default endpoints /authorize, /token and /register at the origin are used.
 */
export async function legacyAuthorizationServer(
  upstreamUrl: string,
  policy: UrlPolicy,
): Promise<AuthorizationServerMetadata> {
  const origin = new URL(upstreamUrl).origin;
  const result = await getJson(
    `${origin}/.well-known/oauth-authorization-server`,
    policy,
    'authorization server metadata URL',
  ).catch(() => undefined);
  if (result?.status === 200) {
    const metadata = parseAsMetadata(result.json, undefined, 'legacy-metadata');
    if (metadata && new URL(metadata.issuer).origin === origin) return metadata;
    if (metadata)
      throw authFailed('as_metadata_invalid', 'the authorization server metadata names another origin');
  }
  return {
    issuer: origin,
    authorizationEndpoint: `${origin}/authorize`,
    tokenEndpoint: `${origin}/token`,
    registrationEndpoint: `${origin}/register`,
    scopesSupported: undefined,
    codeChallengeMethods: undefined,
    tokenEndpointAuthMethods: undefined,
    clientIdMetadataDocumentSupported: false,
    issParameterSupported: false,
    source: 'default-endpoints',
  };
}

export interface Discovered {
  readonly prm: ProtectedResourceMetadata | undefined;
  readonly server: AuthorizationServerMetadata;
  /** The resource indicator to send: the PRM's resource, else the canonical upstream URL. */
  readonly resource: string;
}

/**
 * The whole discovery for one challenge. `preferIssuer` picks that server when the PRM lists several (a
 * pre-registered client belongs to one); otherwise the first listed is used (RFC 9728 §7.6 leaves it to us).
 */
export async function discover(
  upstreamUrl: string,
  resourceMetadataUrl: string | undefined,
  policy: UrlPolicy,
  preferIssuer?: string,
): Promise<Discovered> {
  const prm = await discoverProtectedResource(upstreamUrl, resourceMetadataUrl, policy);
  if (!prm) {
    const server = await legacyAuthorizationServer(upstreamUrl, policy);
    return { prm: undefined, server, resource: canonicalResource(upstreamUrl) };
  }
  const issuer =
    preferIssuer && prm.authorizationServers.includes(preferIssuer)
      ? preferIssuer
      : prm.authorizationServers[0]!;
  const server = await discoverAuthorizationServer(issuer, policy);
  if (!server) throw authFailed('as_metadata_not_found', 'no valid metadata for the authorization server');
  return { prm, server, resource: prm.resource };
}
