// The storage contract of the audit log. SQLite implements it today (sqlite-audit-store.ts); PostgreSQL can
// implement it for several replicas without touching the chain, checkpoints or verification. Everything is async
// so a networked store fits, and every hash is computed by the caller: a store only keeps bytes.
//
// Payloads (`full`/`redacted` modes) are not in the chain: an event keeps a keyed commitment, and the ciphertext
// sits in a side table written in the same transaction as the entry, so it can be erased (its subject's key
// destroyed) or purged (retention) while every hash stays. See privacy/ for the keys.
import type { StoredEntry } from './chain.ts';
import type { SignedCheckpoint } from './checkpoint.ts';

/** What the writer needs to continue the chain after a restart, without reading the entries. */
export interface StoredHead {
  readonly size: number;
  /** Hash of entry `size`, hex (GENESIS when empty). */
  readonly lastHash: string;
  /** The Merkle frontier's nodes, concatenated (see MerkleFrontier.serialize). */
  readonly frontier: Uint8Array;
  readonly latestCheckpoint: { readonly size: number; readonly time: string } | undefined;
  /** Generation of the last spool file drained into the log (so a crash mid-drain cannot replay it twice). */
  readonly spoolGeneration: string | undefined;
}

export type PayloadField = 'arguments' | 'result';

/** One encrypted payload (AES-256-GCM under its subject's key; the tag is the last 16 bytes of `ciphertext`). */
export interface StoredPayload {
  readonly eventId: string;
  readonly field: PayloadField;
  readonly keyId: string;
  /** 12 bytes, fresh per payload. */
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
  /** The event's time, ms since the epoch: what retention goes by. */
  readonly timeMs: number;
}

/** A subject's payload key, wrapped under the state directory's master key. */
export interface StoredSubjectKey {
  readonly keyId: string;
  /** HMAC of (issuer, subject) under a state-directory secret: the raw subject id is never stored here. */
  readonly subjectRef: string;
  readonly wrapped: Uint8Array;
  readonly createdMs: number;
}

export interface WriteBatch {
  /** Consecutive entries continuing the stored chain. */
  readonly entries: readonly StoredEntry[];
  /**
   * A checkpoint over the log up to the end of this batch, with the Merkle frontier at that size: a restart
   * resumes from the latest frontier plus the few entries after it, so no per-batch head row is written.
   */
  readonly checkpoint?: { readonly signed: SignedCheckpoint; readonly frontier: Uint8Array } | undefined;
  /** Set when the batch drains a spool file, in the same transaction, so a crash cannot make it replay. */
  readonly spoolGeneration?: string | undefined;
  /**
   * Ciphertexts of the batch's events (of `entries`: each is stored with its entry's sequence number; both
   * fields of an event use one key). Each is stored only if its key is alive: a key erased meanwhile (by
   * another process) drops its payloads, and the result names it so that the log forgets it.
   */
  readonly payloads?: readonly StoredPayload[] | undefined;
  /**
   * Every key that `payloads` use. Inserted if the store does not have it yet, unless its subject was erased
   * at or after the key was made (the key then is stored as erased, born dead).
   */
  readonly keys?: readonly StoredSubjectKey[] | undefined;
  /** A small real write (a timestamp row) that proves the store accepts writes again. */
  readonly probe?: boolean | undefined;
}

export interface WriteResult {
  /** Transactions the store has committed (its own counter). */
  readonly transactions: number;
  /** Keys of `batch.keys` found erased: their payloads were not stored, and the log must stop using them. */
  readonly erasedKeys?: readonly string[] | undefined;
  /** Payloads not stored because their key was erased. */
  readonly droppedPayloads?: number | undefined;
}

/**
 * A write was refused because the chain moved on in the store (another process, such as `rampart audit erase`,
 * appended): nothing was written, and the writer should reload the head and try again.
 */
export class ChainConflictError extends Error {
  constructor(message = 'the audit chain was extended by another writer') {
    super(message);
    this.name = 'ChainConflictError';
  }
}

export interface ErasureRequest {
  readonly subjectRef: string;
  readonly nowMs: number;
  /** Refuse (nothing changes) if any of the subject's payloads falls in one of these [from, to] ms ranges. */
  readonly heldPeriods?: readonly (readonly [number, number])[] | undefined;
}

export type ErasureOutcome =
  | {
      readonly status: 'erased';
      /** Keys destroyed by this erasure. */
      readonly keys: readonly string[];
      /** Ciphertext rows deleted. */
      readonly payloads: number;
      /** Erasures of this subject (this one included) whose audit event is not recorded yet. */
      readonly unrecorded: readonly {
        readonly id: number;
        readonly erasedMs: number;
        readonly keys: readonly string[];
      }[];
      /** False when the WAL could not be truncated (a reader held it): old pages may linger until the next checkpoint. */
      readonly walTruncated: boolean;
    }
  | { readonly status: 'held'; readonly heldPayloads: number };

export interface PurgeRequest {
  /** Payloads of events before this time go. */
  readonly beforeMs: number;
  /** Subjects under legal hold (subject refs): their payloads stay. */
  readonly heldRefs: readonly string[];
  /** Periods under legal hold, [from, to] in ms, inclusive: payloads of events inside stay. */
  readonly heldPeriods: readonly (readonly [number, number])[];
  /** Rows examined per transaction (bounds how long the write lock is held). Rows are taken in chain order and
   * the run stops at the first one not yet due, so a clock that stepped back delays purging by that step. */
  readonly stepRows: number;
  /** Stop after this many rows deleted (bounds one run). */
  readonly maxRows: number;
  /** Count only. */
  readonly dryRun: boolean;
}

export interface PurgeOutcome {
  /** Rows deleted (or, dry run, that would be). */
  readonly purged: number;
  /** Rows older than the cutoff that a hold keeps. */
  readonly held: number;
  /** True when the run stopped at maxRows with older rows left. */
  readonly more: boolean;
}

/** A stored payload as read back (for `rampart audit show`). */
export interface PayloadRow {
  readonly field: PayloadField;
  /** The event the row is stored for (its AAD must agree). */
  readonly eventId: string;
  readonly keyId: string;
  readonly nonce: Buffer;
  readonly ciphertext: Buffer;
  readonly timeMs: number;
}

export interface SubjectKeyRow {
  readonly keyId: string;
  readonly subjectRef: string;
  /** Null once erased. */
  readonly wrapped: Buffer | null;
  readonly createdMs: number;
  readonly erasedMs: number | null;
}

export interface AuditReader {
  /** Checkpoints by ascending size. */
  checkpoints(): Promise<SignedCheckpoint[]>;
  /** Entries in storage order (ascending stored sequence number). */
  entries(): AsyncIterable<StoredEntry>;
  /** Leaf hashes of the first `limit` entries in storage order. */
  leafHashes(limit: number): AsyncIterable<Buffer>;
  entryById(id: string): Promise<StoredEntry | undefined>;
  entryBySeq(seq: number): Promise<StoredEntry | undefined>;
  /** The stored payloads of the entry at `seq` (none in digest mode, or once erased or purged). */
  payloads(seq: number): Promise<PayloadRow[]>;
  subjectKey(keyId: string): Promise<SubjectKeyRow | undefined>;
  /** The latest retention cutoff applied (ms), if payloads were ever purged. */
  purgedBeforeMs(): Promise<number | undefined>;
}

export interface AuditStore {
  /** Reads the head: the latest stored frontier, advanced over the entries written after it. */
  head(): Promise<StoredHead>;
  /**
   * Writes the batch in one transaction and resolves only once it is durable (on disk, fsynced). Rejects, with
   * nothing written, if any part fails; with ChainConflictError if the first sequence number is already taken.
   */
  write(batch: WriteBatch): Promise<WriteResult>;
  /** Runs `fn` against one consistent snapshot (entries and checkpoints from the same moment). */
  read<T>(fn: (reader: AuditReader) => Promise<T>): Promise<T>;
  /** Adds a checkpoint unless one of that size exists (export seals its snapshot this way). */
  addCheckpoint(cp: SignedCheckpoint): Promise<void>;
  /** Payload keys that are not erased (the keyring loads them at open). */
  subjectKeys(): Promise<StoredSubjectKey[]>;
  /** Ids of keys erased at or after `sinceMs`. */
  erasedKeys(sinceMs: number): Promise<string[]>;
  /**
   * Destroys every key of a subject and deletes their ciphertexts in one transaction, leaves a tombstone that
   * kills keys of that subject made before now but not stored yet, and scrubs the freed bytes from the file.
   */
  eraseSubject(request: ErasureRequest): Promise<ErasureOutcome>;
  /** Notes the audit event that records these erasures. */
  recordErasures(ids: readonly number[], eventId: string): Promise<void>;
  /** Deletes ciphertexts older than a cutoff, except those under legal hold, in bounded steps. */
  purgePayloads(request: PurgeRequest): Promise<PurgeOutcome>;
  close(): Promise<void>;
}
