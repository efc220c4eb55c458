// RFC 9728 Protected Resource Metadata for the MCP endpoint, served at the path-suffixed well-known URL and at the
// root one (clients try the WWW-Authenticate link first, then both).
import type { AuthConfig } from '../config/auth-schema.ts';

/** The well-known metadata URL for a resource URL (path-suffixed form, RFC 9728 §3.1). */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

export function metadataPaths(resource: string): string[] {
  const path = new URL(metadataUrl(resource)).pathname;
  return path === '/.well-known/oauth-protected-resource'
    ? [path]
    : [path, '/.well-known/oauth-protected-resource'];
}

export function protectedResourceMetadata(
  auth: AuthConfig,
  resource: string,
  tls: boolean,
): Record<string, unknown> {
  const document: Record<string, unknown> = {
    resource,
    authorization_servers: auth.authorizationServers ?? auth.issuers.map((i) => i.issuer),
    bearer_methods_supported: ['header'],
    scopes_supported: auth.scopes.supported ?? auth.scopes.required,
    resource_name: 'Rampart MCP gateway',
  };
  if (auth.binding.require !== 'mtls') document['dpop_signing_alg_values_supported'] = auth.dpop.algorithms;
  if (auth.binding.require === 'dpop') document['dpop_bound_access_tokens_required'] = true;
  if (tls) document['tls_client_certificate_bound_access_tokens'] = true;
  return document;
}
