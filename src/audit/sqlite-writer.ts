// Worker thread that owns the audit database's write connection. node:sqlite is synchronous, and a commit with
// synchronous=FULL waits for fsync; on the main thread that wait would stall every request in flight. Here it
// only delays the batch being committed, while the main thread keeps serving and gathers the next batch.
//
// Erasure and retention run here too (one writer per process, off the event loop), each in bounded transactions.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { GENESIS } from './chain.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import { MerkleFrontier } from './merkle.ts';
import { openAuditDatabase } from './sqlite-schema.ts';
import type {
  ErasureOutcome,
  ErasureRequest,
  PurgeOutcome,
  PurgeRequest,
  StoredHead,
  StoredSubjectKey,
  WriteResult,
} from './store.ts';

/**
 * When the write-ahead log is fsynced. `commit`: every group commit (an acknowledged event survives power loss).
 * `checkpoint`: every commit is written to the WAL before it is acknowledged (it survives a crash of Rampart,
 * kill -9 included), and the WAL is fsynced after each signed checkpoint and spool drain, so an OS crash or power
 * loss can cost at most the events after the last checkpoint: the same window in which truncation is not
 * detectable anyway. (SqliteAuditStore implements `checkpoint` with an in-thread writer and a background sync.)
 */
export type FsyncPolicy = 'commit' | 'checkpoint';

export interface WriterInit {
  readonly file: string;
  readonly busyTimeoutMs: number;
  /** `full`: fsync at every commit; `deferred`: never at commit, the store syncs (see `sync`). */
  readonly commitSync: 'full' | 'deferred';
}

/**
 * A batch's payloads, one row per event, their bytes packed into one unshared buffer: for each row its arguments
 * blob then its result blob (each a 12-byte nonce then the ciphertext with its tag), lengths -1 when absent.
 */
export interface PackedPayloads {
  readonly seqs: readonly number[];
  readonly eventIds: readonly string[];
  readonly keyIds: readonly string[];
  readonly times: readonly number[];
  readonly argLengths: readonly number[];
  readonly resultLengths: readonly number[];
  readonly bytes: Uint8Array;
}

/** A batch as sent to the worker: hashes packed into one unshared buffer so cloning copies 32 bytes per entry. */
export interface WriteRequest {
  readonly type: 'write';
  readonly id: number;
  readonly firstSeq: number;
  readonly ids: readonly string[];
  readonly leaves: readonly string[];
  readonly hashes: Uint8Array;
  readonly checkpoint: SignedCheckpoint | undefined;
  readonly frontier: Uint8Array | undefined;
  readonly spoolGeneration: string | undefined;
  readonly payloads: PackedPayloads | undefined;
  readonly keys: readonly StoredSubjectKey[] | undefined;
  readonly probe: boolean;
}

export type WriterRequest =
  | WriteRequest
  | { readonly type: 'head'; readonly id: number }
  | { readonly type: 'sync'; readonly id: number }
  | { readonly type: 'keys'; readonly id: number }
  | { readonly type: 'erased'; readonly id: number; readonly sinceMs: number }
  | ({ readonly type: 'erase'; readonly id: number } & ErasureRequest)
  | {
      readonly type: 'record';
      readonly id: number;
      readonly ids: readonly number[];
      readonly eventId: string;
    }
  | ({ readonly type: 'purge'; readonly id: number } & PurgeRequest)
  | { readonly type: 'close'; readonly id: number };

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly conflict?: boolean };

/** SQLITE_CONSTRAINT_PRIMARYKEY: the sequence number is taken. */
const PRIMARY_KEY_TAKEN = 1555;

/** Erasure deletes ciphertexts in windows of this many sequence numbers, one transaction each, ... */
const ERASE_WINDOW = 5000;
/** ... pausing between them so that another process's writer gets the lock. */
const ERASE_PAUSE_MS = 10;

export class Conflict extends Error {}

export class Writer {
  private readonly db: DatabaseSync;
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly insertEntry: StatementSync;
  private readonly insertCheckpoint: StatementSync;
  private readonly setMeta: StatementSync;
  private readonly insertPayload: StatementSync;
  private readonly keyState: StatementSync;
  private readonly erasedAt: StatementSync;
  private readonly insertKey: StatementSync;
  private transactions = 0;
  private readonly busyTimeoutMs: number;

  constructor(init: WriterInit) {
    this.busyTimeoutMs = Math.max(0, Math.floor(init.busyTimeoutMs));
    this.db = openAuditDatabase(init.file, init.busyTimeoutMs);
    // NORMAL in WAL mode: a commit is written to the WAL (safe against a crash of this process), not fsynced.
    // Deferred: checkpoints of the WAL into the database (each with two fsyncs) are left to the worker's `sync`
    // after every signed checkpoint; SQLite would otherwise run one inside whichever commit crosses 1000 pages, on
    // the serving thread. The higher threshold only bounds the WAL if checkpoints are configured far apart.
    if (init.commitSync === 'deferred')
      this.db.exec('PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 20000;');
    // IMMEDIATE takes the write lock up front, so a busy database fails here (after busy_timeout), not mid-batch.
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
    this.insertEntry = this.db.prepare('INSERT INTO audit_entries (seq, id, leaf, hash) VALUES (?, ?, ?, ?)');
    // OR IGNORE: `rampart audit export` may have sealed the same size from another process.
    this.insertCheckpoint = this.db.prepare(
      `INSERT OR IGNORE INTO audit_checkpoints (size, root, time, key_id, signature, frontier)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.setMeta = this.db.prepare(
      'INSERT INTO audit_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.insertPayload = this.db.prepare(
      `INSERT INTO audit_payloads (seq, event_id, key_id, time_ms, arguments, result) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.keyState = this.db.prepare(
      'SELECT wrapped_key IS NULL AS erased FROM audit_subject_keys WHERE key_id = ?',
    );
    this.erasedAt = this.db.prepare('SELECT max(erased_ms) AS at FROM audit_erasures WHERE subject_ref = ?');
    this.insertKey = this.db.prepare(
      `INSERT INTO audit_subject_keys (key_id, subject_ref, wrapped_key, created_ms, erased_ms) VALUES (?, ?, ?, ?, ?)`,
    );
  }

  /**
   * Makes every commit so far durable: a WAL checkpoint syncs the WAL before copying it into the database (and
   * the database after). PASSIVE never waits for or blocks the other connection's writes.
   */
  sync(): void {
    this.db.prepare('PRAGMA wal_checkpoint(PASSIVE)').get();
  }

  write(req: WriteRequest): WriteResult {
    let result: WriteResult;
    this.begin.run();
    try {
      for (let i = 0; i < req.ids.length; i++) {
        try {
          this.insertEntry.run(
            req.firstSeq + i,
            req.ids[i]!,
            req.leaves[i]!,
            req.hashes.subarray(i * 32, i * 32 + 32),
          );
        } catch (err) {
          // Another process (an erasure run by `rampart audit erase`) extended the chain since our head was read.
          if (i === 0 && (err as { errcode?: number }).errcode === PRIMARY_KEY_TAKEN) throw new Conflict();
          throw err;
        }
      }
      result = { transactions: this.transactions + 1 };
      if (req.payloads) result = { ...result, ...this.storePayloads(req.payloads, req.keys ?? []) };
      const cp = req.checkpoint;
      if (cp)
        this.insertCheckpoint.run(cp.size, cp.root, cp.time, cp.keyId, cp.signature, req.frontier ?? null);
      if (req.spoolGeneration) this.setMeta.run('spool_generation', req.spoolGeneration);
      if (req.probe) this.setMeta.run('probe', new Date().toISOString());
      this.commit.run();
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    this.transactions += 1;
    return result;
  }

  /**
   * Stores the ciphertexts whose key is alive, checked here, inside the transaction: an erasure committed by
   * another process after the gateway sealed these payloads must win, whatever the gateway holds in memory.
   */
  private storePayloads(
    p: PackedPayloads,
    keys: readonly StoredSubjectKey[],
  ): { erasedKeys?: string[]; droppedPayloads?: number } {
    const dead = new Set<string>();
    for (const key of keys) {
      const state = this.keyState.get(key.keyId) as { erased: number } | undefined;
      if (state) {
        if (state.erased) dead.add(key.keyId);
        continue;
      }
      const erasure = (this.erasedAt.get(key.subjectRef) as { at: number | null } | undefined)?.at ?? null;
      if (erasure !== null && erasure >= key.createdMs) {
        // Made before its subject was erased: born dead. Kept as an erased row so `show` says "erased".
        this.insertKey.run(key.keyId, key.subjectRef, null, key.createdMs, erasure);
        dead.add(key.keyId);
      } else {
        this.insertKey.run(key.keyId, key.subjectRef, key.wrapped, key.createdMs, null);
      }
    }
    let dropped = 0;
    let offset = 0;
    const blob = (length: number): Uint8Array | null => {
      if (length < 0) return null;
      offset += length;
      return p.bytes.subarray(offset - length, offset);
    };
    for (let i = 0; i < p.seqs.length; i++) {
      const args = blob(p.argLengths[i]!);
      const result = blob(p.resultLengths[i]!);
      if (dead.has(p.keyIds[i]!)) {
        dropped += (args ? 1 : 0) + (result ? 1 : 0);
        continue;
      }
      this.insertPayload.run(p.seqs[i]!, p.eventIds[i]!, p.keyIds[i]!, p.times[i]!, args, result);
    }
    return dead.size === 0 ? {} : { erasedKeys: [...dead], droppedPayloads: dropped };
  }

  /** The latest stored frontier, advanced over the entries after it (at most one checkpoint interval of them). */
  head(): StoredHead {
    const latest = this.db
      .prepare('SELECT size, time FROM audit_checkpoints ORDER BY size DESC LIMIT 1')
      .get() as { size: number; time: string } | undefined;
    const cached = this.db
      .prepare(
        'SELECT size, frontier FROM audit_checkpoints WHERE frontier IS NOT NULL ORDER BY size DESC LIMIT 1',
      )
      .get() as { size: number; frontier: Uint8Array } | undefined;
    let frontier = new MerkleFrontier();
    if (cached) {
      try {
        frontier = MerkleFrontier.deserialize(cached.size, cached.frontier);
      } catch {
        // An unusable cache: rebuild from every entry below.
      }
    }
    let lastHash = GENESIS;
    const after = this.db.prepare('SELECT hash FROM audit_entries WHERE seq > ? ORDER BY seq');
    for (const row of after.iterate(frontier.size)) {
      const hash = Buffer.from((row as { hash: Uint8Array }).hash);
      frontier.push(hash);
      lastHash = hash.toString('hex');
    }
    if (lastHash === GENESIS && frontier.size > 0) {
      const last = this.db.prepare('SELECT hash FROM audit_entries WHERE seq = ?').get(frontier.size) as
        | { hash: Uint8Array }
        | undefined;
      if (last) lastHash = Buffer.from(last.hash).toString('hex');
    }
    const meta = this.db.prepare(`SELECT value FROM audit_meta WHERE key = 'spool_generation'`).get() as
      | { value: string }
      | undefined;
    return {
      size: frontier.size,
      lastHash,
      frontier: frontier.serialize(),
      latestCheckpoint: latest ? { size: latest.size, time: latest.time } : undefined,
      spoolGeneration: meta?.value,
    };
  }

  keys(): StoredSubjectKey[] {
    const rows = this.db
      .prepare(
        `SELECT key_id, subject_ref, wrapped_key, created_ms FROM audit_subject_keys
         WHERE erased_ms IS NULL AND wrapped_key IS NOT NULL`,
      )
      .all() as unknown as Array<{
      key_id: string;
      subject_ref: string;
      wrapped_key: Uint8Array;
      created_ms: number;
    }>;
    return rows.map((r) => ({
      keyId: r.key_id,
      subjectRef: r.subject_ref,
      wrapped: r.wrapped_key,
      createdMs: r.created_ms,
    }));
  }

  erased(sinceMs: number): string[] {
    const rows = this.db
      .prepare('SELECT key_id FROM audit_subject_keys WHERE erased_ms >= ?')
      .all(sinceMs) as unknown as Array<{ key_id: string }>;
    return rows.map((r) => r.key_id);
  }

  /**
   * Step 1, one transaction: the keys are destroyed and the tombstone written; from its commit on, no payload of
   * the subject can be decrypted and none can be stored. Step 2 deletes the now useless ciphertexts in windows of
   * the table (there is no index by key, to keep appends cheap), each its own short transaction with a pause
   * after it, so a gateway writing to the same file is never locked out for long.
   */
  erase(req: ErasureRequest): ErasureOutcome {
    const db = this.db;
    let keys: string[];
    let erasureId: number;
    this.begin.run();
    try {
      keys = (
        db
          .prepare('SELECT key_id FROM audit_subject_keys WHERE subject_ref = ? AND erased_ms IS NULL')
          .all(req.subjectRef) as unknown as Array<{ key_id: string }>
      ).map((r) => r.key_id);
      const held = req.heldPeriods?.length ? this.heldPayloads(keys, req.heldPeriods) : 0;
      if (held > 0) {
        db.exec('ROLLBACK');
        return { status: 'held', heldPayloads: held };
      }
      // Overwritten in place first, then cleared: with secure_delete the freed cell bytes are zeroed either way,
      // and the first write leaves no path (cell moved to a new page) by which the old bytes could survive.
      db.prepare(
        `UPDATE audit_subject_keys SET wrapped_key = zeroblob(length(wrapped_key))
         WHERE subject_ref = ? AND erased_ms IS NULL AND wrapped_key IS NOT NULL`,
      ).run(req.subjectRef);
      db.prepare(
        'UPDATE audit_subject_keys SET wrapped_key = NULL, erased_ms = ? WHERE subject_ref = ? AND erased_ms IS NULL',
      ).run(req.nowMs, req.subjectRef);
      erasureId = Number(
        db
          .prepare('INSERT INTO audit_erasures (subject_ref, erased_ms, keys, payloads) VALUES (?, ?, ?, 0)')
          .run(req.subjectRef, req.nowMs, JSON.stringify(keys)).lastInsertRowid,
      );
      this.commit.run();
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw err;
    }
    // Every key of the subject, erased before too: an earlier erasure interrupted here left rows to clean up.
    const all = (
      db
        .prepare('SELECT key_id FROM audit_subject_keys WHERE subject_ref = ?')
        .all(req.subjectRef) as unknown as Array<{ key_id: string }>
    ).map((r) => r.key_id);
    const payloads = all.length > 0 ? this.deleteRowsOf(all) : 0;
    const unrecorded = (
      db
        .prepare(
          'SELECT id, erased_ms, keys FROM audit_erasures WHERE subject_ref = ? AND event_id IS NULL ORDER BY id',
        )
        .all(req.subjectRef) as unknown as Array<{ id: number; erased_ms: number; keys: string }>
    ).map((r) => ({ id: r.id, erasedMs: r.erased_ms, keys: JSON.parse(r.keys) as string[] }));
    db.prepare('UPDATE audit_erasures SET payloads = ? WHERE id = ?').run(payloads, erasureId);
    return { status: 'erased', keys, payloads, unrecorded, walTruncated: this.truncateWal() };
  }

  private deleteRowsOf(keys: readonly string[]): number {
    const bounds = this.db.prepare('SELECT min(seq) AS lo, max(seq) AS hi FROM audit_payloads').get() as {
      lo: number | null;
      hi: number | null;
    };
    if (bounds.lo === null || bounds.hi === null) return 0;
    const del = this.db.prepare(
      'DELETE FROM audit_payloads WHERE seq >= ? AND seq < ? AND key_id IN (SELECT value FROM json_each(?))',
    );
    const list = JSON.stringify(keys);
    let deleted = 0;
    for (let lo = bounds.lo; lo <= bounds.hi; lo += ERASE_WINDOW) {
      this.begin.run();
      try {
        deleted += Number(del.run(lo, lo + ERASE_WINDOW, list).changes);
        this.commit.run();
      } catch (err) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
      if (lo + ERASE_WINDOW <= bounds.hi) sleep(ERASE_PAUSE_MS);
    }
    return deleted;
  }

  private heldPayloads(keys: readonly string[], periods: ErasureRequest['heldPeriods']): number {
    const row = this.db
      .prepare(
        `SELECT count(*) AS n FROM audit_payloads p
         WHERE p.key_id IN (SELECT value FROM json_each(?1))
           AND EXISTS (SELECT 1 FROM json_each(?2) h WHERE p.time_ms BETWEEN h.value ->> 0 AND h.value ->> 1)`,
      )
      .get(JSON.stringify(keys), JSON.stringify(periods)) as { n: number };
    return row.n;
  }

  /**
   * Copies every page into the database file and empties the WAL, so the pre-erasure page images (which still
   * hold the wrapped key and the ciphertexts) are gone from both files. A reader in the middle of a snapshot
   * blocks it; a few short retries cover short reads. The busy handler is off meanwhile: TRUNCATE would otherwise
   * wait up to busy_timeout per attempt, and this connection's appends wait behind it.
   */
  private truncateWal(): boolean {
    const checkpoint = this.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        let r: { busy: number; log: number; checkpointed: number } | undefined;
        try {
          r = checkpoint.get() as typeof r;
        } catch {
          // SQLITE_BUSY or locked: try again
        }
        if (r && r.busy === 0 && r.log === r.checkpointed) return true;
        sleep(50);
      }
      return false;
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  recordErasures(ids: readonly number[], eventId: string): void {
    this.db
      .prepare('UPDATE audit_erasures SET event_id = ? WHERE id IN (SELECT value FROM json_each(?))')
      .run(eventId, JSON.stringify(ids));
  }

  /**
   * Retention in steps: each transaction examines at most `stepRows` rows in chain order past a cursor, so held
   * rows are passed over once per run rather than rescanned by every step, and the write lock is never held for
   * long. The run stops at the first row not yet due: rows after it are younger while the clock only moves on.
   */
  purge(req: PurgeRequest): PurgeOutcome {
    const db = this.db;
    const scan = db.prepare(
      `SELECT p.seq AS seq, p.time_ms AS t,
         (p.key_id IN (SELECT k.key_id FROM audit_subject_keys k WHERE k.subject_ref IN (SELECT value FROM json_each(?1)))
          OR EXISTS (SELECT 1 FROM json_each(?2) h WHERE p.time_ms BETWEEN h.value ->> 0 AND h.value ->> 1)) AS held
       FROM audit_payloads p WHERE p.seq > ?3 ORDER BY p.seq LIMIT ?4`,
    );
    const del = db.prepare('DELETE FROM audit_payloads WHERE seq = ?');
    const refs = JSON.stringify(req.heldRefs);
    const periods = JSON.stringify(req.heldPeriods);
    let cursor = 0;
    let purged = 0;
    let held = 0;
    for (let step = 0; ; step++) {
      if (purged >= req.maxRows) return { purged, held, more: true };
      // Between steps the write lock is free for a while: the gateway's own commits (on another connection, with
      // a short busy timeout) get in instead of failing behind a long purge.
      if (step > 0 && !req.dryRun) sleep(ERASE_PAUSE_MS);
      const limit = Math.max(1, Math.min(req.stepRows, req.maxRows - purged));
      let due = true;
      let rows: Array<{ seq: number; t: number; held: number }>;
      if (!req.dryRun) this.begin.run();
      try {
        rows = scan.all(refs, periods, cursor, limit) as unknown as typeof rows;
        for (const row of rows) {
          if (row.t >= req.beforeMs) {
            due = false;
            break;
          }
          cursor = row.seq;
          if (row.held) held += 1;
          else {
            purged += 1;
            if (!req.dryRun) del.run(row.seq);
          }
        }
        if (!req.dryRun) {
          const previous = db.prepare(`SELECT value FROM audit_meta WHERE key = 'purged_before_ms'`).get() as
            | { value: string }
            | undefined;
          if (!previous || Number(previous.value) < req.beforeMs) {
            this.setMeta.run('purged_before_ms', String(req.beforeMs));
          }
          this.commit.run();
        }
      } catch (err) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw err;
      }
      if (!due || rows.length < limit) return { purged, held, more: false };
    }
  }

  close(): void {
    this.db.close();
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this worker (never the event loop) for a while. */
function sleep(ms: number): void {
  Atomics.wait(pause, 0, 0, ms);
}

function main(port: NonNullable<typeof parentPort>): void {
  let writer: Writer;
  try {
    writer = new Writer(workerData as WriterInit);
  } catch (err) {
    port.postMessage({ type: 'failed', message: String(err) } satisfies WriterReply);
    return;
  }
  port.postMessage({ type: 'ready' } satisfies WriterReply);
  port.on('message', (req: WriterRequest) => {
    try {
      let value: unknown;
      switch (req.type) {
        case 'write':
          value = writer.write(req);
          break;
        case 'head':
          value = writer.head();
          break;
        case 'sync':
          writer.sync();
          break;
        case 'keys':
          value = writer.keys();
          break;
        case 'erased':
          value = writer.erased(req.sinceMs);
          break;
        case 'erase':
          value = writer.erase(req);
          break;
        case 'record':
          writer.recordErasures(req.ids, req.eventId);
          break;
        case 'purge':
          value = writer.purge(req);
          break;
        case 'close':
          writer.close();
          port.postMessage({ type: 'done', id: req.id, value: undefined } satisfies WriterReply);
          port.close();
          return;
      }
      port.postMessage({ type: 'done', id: req.id, value } satisfies WriterReply);
    } catch (err) {
      const conflict = err instanceof Conflict;
      port.postMessage({
        type: 'error',
        id: req.id,
        message: conflict ? 'the audit chain was extended by another writer' : String(err),
        ...(conflict ? { conflict } : {}),
      } satisfies WriterReply);
    }
  });
}

if (parentPort) main(parentPort);
