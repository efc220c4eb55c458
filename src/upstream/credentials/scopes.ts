// Scope selection (MCP authorization, "Scope Selection Strategy" and "Step-Up Authorization Flow"): the
// challenge's scope is authoritative; otherwise the PRM's scopes_supported; otherwise no scope parameter. A
// step-up asks for the union of what was asked before and what the new challenge names.

export function parseScope(scope: string | undefined): string[] {
  return scope === undefined ? [] : [...new Set(scope.split(/\s+/).filter((s) => s !== ''))];
}

/** The space-separated form, or undefined for an empty set (the parameter is then omitted). */
export function formatScope(scopes: readonly string[]): string | undefined {
  return scopes.length > 0 ? scopes.join(' ') : undefined;
}

export function unionScopes(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

/** True when every scope in `needed` is in `held`. */
export function coversScopes(held: readonly string[], needed: readonly string[]): boolean {
  return needed.every((scope) => held.includes(scope));
}

export interface ScopeInputs {
  /** `scope` of the WWW-Authenticate challenge. */
  readonly challenge: readonly string[];
  /** The operator's configured scope, which replaces scopes_supported when the challenge names none. */
  readonly configured: readonly string[];
  /** `scopes_supported` of the Protected Resource Metadata. */
  readonly resourceSupported: readonly string[] | undefined;
  /** `scopes_supported` of the authorization server: `offline_access` is added when it lists it (SEP-2207). */
  readonly serverSupported: readonly string[] | undefined;
}

export function selectScopes(inputs: ScopeInputs): string[] {
  let scopes: string[];
  if (inputs.challenge.length > 0) scopes = [...inputs.challenge];
  else if (inputs.configured.length > 0) scopes = [...inputs.configured];
  else scopes = [...(inputs.resourceSupported ?? [])];
  // A refresh token lets Rampart keep an upstream session without asking the user again.
  if (inputs.serverSupported?.includes('offline_access')) scopes = unionScopes(scopes, ['offline_access']);
  return scopes;
}
