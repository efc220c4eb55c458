// One error code for every way Rampart's own authentication toward an upstream can fail; `data.reason` names
// the step with a stable word, so operators and tests can tell the failures apart without parsing messages.
import { RampartError } from '../../errors.ts';

export type AuthFailureReason =
  | 'prm_not_found'
  | 'resource_mismatch'
  | 'as_metadata_not_found'
  | 'as_metadata_invalid'
  | 'pkce_unsupported'
  | 'registration_unavailable'
  | 'registration_failed'
  | 'client_issuer_mismatch'
  | 'no_authorizer'
  | 'state_mismatch'
  | 'iss_missing'
  | 'iss_mismatch'
  | 'authorization_denied'
  | 'code_missing'
  | 'token_request_failed'
  | 'token_response_invalid'
  | 'unsupported_token_type'
  | 'retry_budget_exhausted'
  | 'client_key_invalid';

export function authFailed(
  reason: AuthFailureReason,
  detail: string,
  extra: Record<string, string> = {},
): RampartError {
  return new RampartError('RAMPART_UPSTREAM_AUTH_FAILED', detail, { ...extra, reason });
}

/** The `data.reason` of an upstream authentication failure, for tests and logs. */
export function failureReason(err: unknown): string | undefined {
  if (!(err instanceof RampartError)) return undefined;
  const reason = err.data?.['reason'];
  return typeof reason === 'string' ? reason : undefined;
}
