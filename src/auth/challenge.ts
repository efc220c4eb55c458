// WWW-Authenticate challenges (RFC 6750 §3, RFC 9728 §5.1, RFC 9449 §7.1): where the metadata is, which scope to
// ask for, and, when the request carried a token, why it was refused.
import type { ErrorCode } from '../errors.ts';

/** RFC 6750 error for each refusal: insufficient_scope for 403, invalid_token for a bad token, none when absent. */
function oauthError(code: ErrorCode): string | undefined {
  if (code === 'RAMPART_TOKEN_MISSING') return undefined;
  if (code === 'RAMPART_INSUFFICIENT_SCOPE') return 'insufficient_scope';
  if (code === 'RAMPART_DPOP_NONCE_REQUIRED') return 'use_dpop_nonce';
  if (code.startsWith('RAMPART_DPOP_')) return 'invalid_dpop_proof';
  return 'invalid_token';
}

function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '')}"`;
}

export interface ChallengeInput {
  code: ErrorCode;
  resourceMetadata: string;
  scope: readonly string[];
  description: string;
  /** Offer the DPoP scheme (with these algorithms) besides Bearer. */
  dpopAlgs: readonly string[] | undefined;
  /** Only DPoP-bound tokens are accepted: no Bearer challenge. */
  dpopOnly: boolean;
}

export function wwwAuthenticate(input: ChallengeInput): string {
  const error = oauthError(input.code);
  const params = [`resource_metadata=${quoted(input.resourceMetadata)}`];
  if (input.scope.length > 0) params.push(`scope=${quoted(input.scope.join(' '))}`);
  if (error) params.push(`error=${quoted(error)}`, `error_description=${quoted(input.description)}`);
  const challenges: string[] = [];
  if (!input.dpopOnly && !error?.includes('dpop')) challenges.push(`Bearer ${params.join(', ')}`);
  if (input.dpopAlgs) challenges.push(`DPoP algs=${quoted(input.dpopAlgs.join(' '))}, ${params.join(', ')}`);
  return challenges.join(', ');
}
