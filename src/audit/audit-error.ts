// Stable codes of the audit log. Tests and operators rely on `code`, never on message text. The entries have the
// shape of `ERRORS` in src/errors.ts so the integrator can merge them there; until then `AuditError` carries its
// own HTTP status and JSON-RPC code.

export const AUDIT_ERRORS = {
  /** The event could not be made durable (store down, locked, disk full): the request it describes must fail. */
  RAMPART_AUDIT_UNAVAILABLE: {
    http: 503,
    rpc: -32016,
    message: 'The audit log cannot record this request, so it was not completed.',
  },
  /** append() after close(). */
  RAMPART_AUDIT_CLOSED: { http: 503, rpc: -32016, message: 'The audit log is closed.' },
  /** The signing key file is readable by others or not an Ed25519 key. */
  RAMPART_AUDIT_KEY_INVALID: {
    http: 500,
    rpc: -32603,
    message: 'The audit signing key is unusable (wrong type, or readable by other users).',
  },
  /** `audit proof` for an id or sequence number the log does not hold, or no checkpoint covers it yet. */
  RAMPART_AUDIT_NOT_FOUND: { http: 404, rpc: -32602, message: 'No such audit event.' },
  /** The stored entries disagree with their own signed checkpoint; `rampart audit verify` says where. */
  RAMPART_AUDIT_INCONSISTENT: {
    http: 500,
    rpc: -32603,
    message: 'The audit log does not match its signed checkpoint.',
  },
  /** A file handed to verify/proof is not in the expected format. */
  RAMPART_AUDIT_BAD_INPUT: { http: 400, rpc: -32602, message: 'The audit file is malformed.' },
  /** Erasure refused: the subject, or a period holding their payloads, is under legal hold (--override-hold). */
  RAMPART_AUDIT_LEGAL_HOLD: {
    http: 409,
    rpc: -32602,
    message: 'The subject is under legal hold; their payloads cannot be erased without overriding it.',
  },
} as const;

export type AuditErrorCode = keyof typeof AUDIT_ERRORS;

export class AuditError extends Error {
  readonly code: AuditErrorCode;
  constructor(code: AuditErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? AUDIT_ERRORS[code].message, options);
    this.name = 'AuditError';
    this.code = code;
  }
  get http(): number {
    return AUDIT_ERRORS[this.code].http;
  }
  get rpc(): number {
    return AUDIT_ERRORS[this.code].rpc;
  }
}

/**
 * What `verify` reports as the first problem. Positions are 1-based sequence numbers; `seq` is the first entry
 * that cannot be trusted.
 */
export const VERIFY_CODES = [
  /** An entry's content does not match its hash, or it was rewritten and re-hashed (the next entry disagrees). */
  'RAMPART_AUDIT_ENTRY_MODIFIED',
  /** Sequence numbers skip: entries were deleted. */
  'RAMPART_AUDIT_ENTRY_MISSING',
  /** An entry that is not part of the original chain sits at this position (forged or replayed). */
  'RAMPART_AUDIT_ENTRY_INSERTED',
  /** The entry for this position appears later: entries were moved. */
  'RAMPART_AUDIT_ENTRY_REORDERED',
  /** The entry does not commit to its predecessor and no more specific cause could be told. */
  'RAMPART_AUDIT_CHAIN_BROKEN',
  /** A signed checkpoint covers more entries than the log holds: the tail was cut. */
  'RAMPART_AUDIT_TRUNCATED',
  /** A checkpoint's signature does not verify under the log's public key. */
  'RAMPART_AUDIT_CHECKPOINT_INVALID',
  /** The entries up to a checkpoint's size do not hash to its signed root. */
  'RAMPART_AUDIT_CHECKPOINT_MISMATCH',
  /** A record cannot be parsed. */
  'RAMPART_AUDIT_MALFORMED',
  /** An inclusion proof does not lead to its checkpoint's root, or the checkpoint is not signed by the key. */
  'RAMPART_AUDIT_PROOF_INVALID',
] as const;

export type VerifyCode = (typeof VERIFY_CODES)[number];
