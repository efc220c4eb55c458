// The one identity every call is attributed to: who (issuer, subject), through which client and agent, with
// which groups, roles and tenant, and how the token was bound to its holder.
import type { IssuerConfig } from '../config/auth-schema.ts';
import { isObject, type JsonObject } from '../core/jsonrpc.ts';

export type BindingMethod = 'bearer' | 'dpop' | 'mtls';

export interface Principal {
  readonly issuer: string;
  readonly subject: string;
  readonly clientId: string | undefined;
  readonly agent: string | undefined;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  readonly tenant: string | undefined;
  readonly scopes: readonly string[];
  readonly binding: BindingMethod;
  readonly tokenId: string | undefined;
  readonly expiresAt: number;
}

/** A stable key for session ownership and MRTR state binding: the same caller always maps to the same key. */
export function principalKey(principal: Principal): string {
  return JSON.stringify([principal.issuer, principal.subject, principal.clientId ?? '']);
}

function claimAt(claims: JsonObject, path: string): unknown {
  let current: unknown = claims;
  for (const part of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[part];
  }
  return current;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Scopes of a token: the `scope` string (RFC 9068) or an `scp` array (common in other IdPs). */
export function scopesOf(claims: JsonObject): string[] {
  if (typeof claims['scope'] === 'string') return claims['scope'].split(' ').filter(Boolean);
  return strings(claims['scp']);
}

/** Builds the principal from verified claims (JWT payload or introspection answer). */
export function principalFromClaims(
  claims: JsonObject,
  issuer: IssuerConfig,
  binding: BindingMethod,
): Principal {
  const clientId =
    typeof claims['client_id'] === 'string'
      ? claims['client_id']
      : typeof claims['azp'] === 'string'
        ? claims['azp']
        : undefined;
  const agent = claimAt(claims, issuer.claims.agent);
  const tenant = claimAt(claims, issuer.claims.tenant);
  return {
    issuer: issuer.issuer,
    subject: typeof claims['sub'] === 'string' ? claims['sub'] : (clientId ?? 'unknown'),
    clientId,
    agent: typeof agent === 'string' ? agent : clientId,
    groups: strings(claimAt(claims, issuer.claims.groups)),
    roles: strings(claimAt(claims, issuer.claims.roles)),
    tenant: typeof tenant === 'string' ? tenant : issuer.tenant,
    scopes: scopesOf(claims),
    binding,
    tokenId: typeof claims['jti'] === 'string' ? claims['jti'] : undefined,
    expiresAt: typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : Number.POSITIVE_INFINITY,
  };
}
