// PKCE (RFC 7636) with S256 only: MCP clients MUST use S256 and MUST refuse an authorization server whose
// metadata does not list it.
import { createHash, randomBytes } from 'node:crypto';

export interface Pkce {
  readonly verifier: string;
  readonly challenge: string;
  readonly method: 'S256';
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

/** A fresh verifier (43 characters from 32 random bytes) and its S256 challenge. */
export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier), method: 'S256' };
}

/** True when the metadata lists S256 in `code_challenge_methods_supported` (absent means not supported). */
export function supportsS256(methods: readonly string[] | undefined): boolean {
  return methods?.includes('S256') ?? false;
}
