// The storage contract of the audit log. SQLite implements it today (sqlite-audit-store.ts); PostgreSQL can
// implement it for several replicas without touching the chain, checkpoints or verification. Everything is async
// so a networked store fits, and every hash is computed by the caller: a store only keeps bytes.
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
}

export interface AuditStore {
  /** Reads the head: the latest stored frontier, advanced over the entries written after it. */
  head(): Promise<StoredHead>;
  /**
   * Writes the batch in one transaction and resolves only once it is durable (on disk, fsynced). Rejects, with
   * nothing written, if any part fails, including a sequence number that is already taken.
   */
  write(batch: WriteBatch): Promise<{ readonly transactions: number }>;
  /** Runs `fn` against one consistent snapshot (entries and checkpoints from the same moment). */
  read<T>(fn: (reader: AuditReader) => Promise<T>): Promise<T>;
  /** Adds a checkpoint unless one of that size exists (export seals its snapshot this way). */
  addCheckpoint(cp: SignedCheckpoint): Promise<void>;
  close(): Promise<void>;
}
