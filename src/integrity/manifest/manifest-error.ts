// Why a manifest was refused, as a stable code (src/errors.ts) and a reason an operator can act on. The reason
// names files, keys and identities, never key material.
import type { ErrorCode } from '../../errors.ts';

/** The codes a manifest check can end with. */
export type ManifestErrorCode = Extract<
  ErrorCode,
  | 'RAMPART_MANIFEST_UNREADABLE'
  | 'RAMPART_MANIFEST_INVALID'
  | 'RAMPART_MANIFEST_KEY_INVALID'
  | 'RAMPART_MANIFEST_BUNDLE_INVALID'
  | 'RAMPART_MANIFEST_SIGNATURE'
  | 'RAMPART_MANIFEST_UNTRUSTED_CA'
  | 'RAMPART_MANIFEST_CERT_EXPIRED'
  | 'RAMPART_MANIFEST_UNTRUSTED_IDENTITY'
  | 'RAMPART_MANIFEST_EXPIRED'
  | 'RAMPART_MANIFEST_NOT_YET_VALID'
>;

/** A failed check: returned (not thrown) by the verifiers so callers cannot forget to handle it. */
export interface ManifestFailure {
  readonly ok: false;
  readonly code: ManifestErrorCode;
  readonly reason: string;
}

/** Thrown by parsers and key loaders; the verifiers turn it into a ManifestFailure. */
export class ManifestError extends Error {
  readonly code: ManifestErrorCode;
  constructor(code: ManifestErrorCode, reason: string) {
    super(reason);
    this.name = 'ManifestError';
    this.code = code;
  }
}

/** A failure result. */
export function failure(code: ManifestErrorCode, reason: string): ManifestFailure {
  return { ok: false, code, reason };
}

/** A ManifestError as a failure result; anything else is rethrown (a bug, not bad input). */
export function failureFrom(err: unknown): ManifestFailure {
  if (err instanceof ManifestError) return failure(err.code, err.message);
  throw err;
}
