// The SQLite audit store: writes go through a worker thread (sqlite-writer.ts) so that fsync never blocks the
// event loop; reads (verify, proof, export) use a connection on the calling thread inside one read transaction,
// which in WAL mode is a stable snapshot even while the gateway keeps writing.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { AuditError } from './audit-error.ts';
import type { StoredEntry } from './chain.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import { openAuditDatabase } from './sqlite-schema.ts';
import {
  Conflict,
  type FsyncPolicy,
  type PackedPayloads,
  type WriteRequest,
  Writer,
  type WriterInit,
  type WriterReply,
  type WriterRequest,
} from './sqlite-writer.ts';
import {
  type AuditReader,
  type AuditStore,
  ChainConflictError,
  type ErasureOutcome,
  type ErasureRequest,
  type PayloadRow,
  type PurgeOutcome,
  type PurgeRequest,
  type StoredHead,
  type StoredPayload,
  type StoredSubjectKey,
  type SubjectKeyRow,
  type WriteBatch,
  type WriteResult,
} from './store.ts';

const WRITER_URL = new URL('./sqlite-writer.ts', import.meta.url);

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface SqliteAuditStoreOptions {
  /** How long a write waits for a lock held by another connection before failing (closed). */
  readonly busyTimeoutMs?: number;
  /** When the WAL is fsynced (see FsyncPolicy); `commit` unless told otherwise. */
  readonly fsync?: FsyncPolicy;
}

/** How long the in-thread writer waits for a lock held by another connection (an erasure window, an export). */
const IN_THREAD_BUSY_TIMEOUT_MS = 200;

export class SqliteAuditStore implements AuditStore {
  readonly file: string;
  private readonly busyTimeoutMs: number;
  private readonly fsync: FsyncPolicy;
  /** The writer on this thread, for the `checkpoint` policy. */
  private inThread: Writer | undefined;
  private syncing: Promise<void> = Promise.resolve();
  private worker: Promise<Worker> | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private readDb: DatabaseSync | undefined;
  private reading: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(file: string, options: SqliteAuditStoreOptions = {}) {
    this.file = file;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.fsync = options.fsync ?? 'commit';
  }

  head(): Promise<StoredHead> {
    return this.call({ type: 'head' }) as Promise<StoredHead>;
  }

  write(batch: WriteBatch): Promise<WriteResult> {
    const n = batch.entries.length;
    // A fresh (unpooled) buffer: cloning a Buffer from Node's pool would copy the whole 8 KiB pool slab.
    const hashes = new Uint8Array(n * 32);
    const ids = new Array<string>(n);
    const leaves = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const entry = batch.entries[i]!;
      hashes.set(entry.hash, i * 32);
      ids[i] = entry.id;
      leaves[i] = entry.leaf;
    }
    const request = {
      type: 'write' as const,
      firstSeq: batch.entries[0]?.seq ?? 0,
      ids,
      leaves,
      hashes,
      checkpoint: batch.checkpoint && { ...batch.checkpoint.signed },
      frontier: batch.checkpoint && new Uint8Array(batch.checkpoint.frontier),
      spoolGeneration: batch.spoolGeneration,
      payloads: batch.payloads?.length ? pack(batch.payloads, batch.entries) : undefined,
      // Copied out of whatever (possibly pooled) buffer they live in: cloning a view clones its whole buffer.
      keys: batch.keys?.length
        ? batch.keys.map((k) => ({ ...k, wrapped: new Uint8Array(k.wrapped) }))
        : undefined,
      probe: batch.probe === true,
    };
    if (this.fsync === 'commit') return this.call(request) as Promise<WriteResult>;
    return this.writeInThread({ ...request, id: 0 });
  }

  /**
   * The `checkpoint` policy: a commit without fsync takes tens of microseconds, less than handing the batch to the
   * worker and back (two thread wake-ups), so it runs here; a batch that seals (a signed checkpoint, a drained
   * spool) then asks the worker to sync the WAL in the background.
   */
  private writeInThread(request: WriteRequest): Promise<WriteResult> {
    let result: WriteResult;
    try {
      this.inThread ??= new Writer({
        file: this.file,
        // This thread serves every request: a lock held elsewhere may stall it this long per batch at most.
        busyTimeoutMs: Math.min(this.busyTimeoutMs, IN_THREAD_BUSY_TIMEOUT_MS),
        commitSync: 'deferred',
      });
      result = this.inThread.write(request);
    } catch (err) {
      if (err instanceof Conflict) return Promise.reject(new ChainConflictError());
      return Promise.reject(
        err instanceof AuditError
          ? err
          : new AuditError('RAMPART_AUDIT_UNAVAILABLE', String(err), { cause: err }),
      );
    }
    if (request.checkpoint || request.spoolGeneration) {
      this.syncing = this.call({ type: 'sync' }).then(
        () => undefined,
        () => undefined, // the next checkpoint syncs again; a failing store shows on the next write
      );
    }
    return Promise.resolve(result);
  }

  subjectKeys(): Promise<StoredSubjectKey[]> {
    return this.call({ type: 'keys' }) as Promise<StoredSubjectKey[]>;
  }

  erasedKeys(sinceMs: number): Promise<string[]> {
    return this.call({ type: 'erased', sinceMs }) as Promise<string[]>;
  }

  eraseSubject(request: ErasureRequest): Promise<ErasureOutcome> {
    return this.call({
      type: 'erase',
      subjectRef: request.subjectRef,
      nowMs: request.nowMs,
      heldPeriods: request.heldPeriods,
    }) as Promise<ErasureOutcome>;
  }

  async recordErasures(ids: readonly number[], eventId: string): Promise<void> {
    await this.call({ type: 'record', ids: [...ids], eventId });
  }

  purgePayloads(request: PurgeRequest): Promise<PurgeOutcome> {
    return this.call({ type: 'purge', ...request }) as Promise<PurgeOutcome>;
  }

  read<T>(fn: (reader: AuditReader) => Promise<T>): Promise<T> {
    // One read transaction at a time on the one connection: queue behind the previous read.
    const run = this.reading.then(async () => {
      const db = this.reader();
      db.exec('BEGIN');
      try {
        return await fn(new SqliteReader(db));
      } finally {
        db.exec('COMMIT');
      }
    });
    this.reading = run.catch(() => undefined);
    return run;
  }

  async addCheckpoint(cp: SignedCheckpoint): Promise<void> {
    await this.reading;
    this.reader()
      .prepare(
        'INSERT OR IGNORE INTO audit_checkpoints (size, root, time, key_id, signature) VALUES (?, ?, ?, ?, ?)',
      )
      .run(cp.size, cp.root, cp.time, cp.keyId, cp.signature);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncing;
    if (this.inThread) {
      try {
        this.inThread.sync();
      } catch {
        // best effort: the WAL is intact and is synced at the next open's checkpoint
      }
      this.inThread.close();
    }
    if (this.worker) {
      try {
        await this.call({ type: 'close' }, true);
        await (await this.worker).terminate();
      } catch {
        // already gone
      }
    }
    await this.reading;
    this.readDb?.close();
  }

  private reader(): DatabaseSync {
    if (!this.readDb) {
      try {
        this.readDb = openAuditDatabase(this.file, this.busyTimeoutMs);
      } catch (err) {
        throw new AuditError('RAMPART_AUDIT_UNAVAILABLE', `cannot open ${this.file}: ${String(err)}`, {
          cause: err,
        });
      }
    }
    return this.readDb;
  }

  private async call(req: DistributiveOmit<WriterRequest, 'id'>, closing = false): Promise<unknown> {
    if (this.closed && !closing) throw new AuditError('RAMPART_AUDIT_CLOSED');
    const worker = await this.startWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // Referenced only while a reply is awaited: an idle writer must not keep the process alive, a busy one must.
      if (this.waiters.size === 0) worker.ref();
      this.waiters.set(id, {
        resolve: (value) => {
          this.settled(worker);
          resolve(value);
        },
        reject: (err) => {
          this.settled(worker);
          reject(err);
        },
      });
      worker.postMessage({ ...req, id } as WriterRequest);
    });
  }

  private settled(worker: Worker): void {
    if (this.waiters.size === 0) worker.unref();
  }

  /** Starts the writer on first use, and again after it died (the next write retries rather than failing forever). */
  private startWorker(): Promise<Worker> {
    if (this.worker) return this.worker;
    // The worker always commits with fsync: it writes what is rare and must be durable at once (erasures, and
    // every batch under the `commit` policy).
    const init: WriterInit = { file: this.file, busyTimeoutMs: this.busyTimeoutMs, commitSync: 'full' };
    const started = new Promise<Worker>((resolve, reject) => {
      const execArgv = workerExecArgv();
      const worker = new Worker(WRITER_URL, execArgv ? { workerData: init, execArgv } : { workerData: init });
      const fail = (message: string) => {
        this.worker = undefined;
        const err = new AuditError('RAMPART_AUDIT_UNAVAILABLE', message);
        reject(err);
        const waiters = [...this.waiters.values()];
        this.waiters.clear();
        for (const waiter of waiters) waiter.reject(err);
      };
      worker.on('message', (reply: WriterReply) => {
        if (reply.type === 'ready') {
          if (this.waiters.size === 0) worker.unref();
          resolve(worker);
        } else if (reply.type === 'failed') fail(`cannot open ${this.file}: ${reply.message}`);
        else {
          const waiter = this.waiters.get(reply.id);
          this.waiters.delete(reply.id);
          if (reply.type === 'done') waiter?.resolve(reply.value);
          else if (reply.conflict) waiter?.reject(new ChainConflictError());
          else waiter?.reject(new AuditError('RAMPART_AUDIT_UNAVAILABLE', reply.message));
        }
      });
      worker.on('error', (err) => fail(`audit writer failed: ${String(err)}`));
      worker.on('exit', () => fail('audit writer exited'));
    });
    this.worker = started;
    started.catch(() => undefined);
    return started;
  }
}

/**
 * The process's Node options minus `--input-type`, which only applies to `node -e` and stops a worker from
 * starting (a tool run as `node --input-type=module -e …` would otherwise have no writer); undefined (inherit
 * as they are) when it is not there.
 */
function workerExecArgv(): string[] | undefined {
  const argv = process.execArgv;
  if (!argv.some((a) => a.startsWith('--input-type'))) return undefined;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input-type') i += 1;
    else if (!argv[i]!.startsWith('--input-type=')) out.push(argv[i]!);
  }
  return out;
}

/**
 * One row per event: each field's nonce || ciphertext, packed into one fresh buffer so that the worker message
 * copies exactly their bytes. The sequence number comes from the batch's entry for the event.
 */
function pack(payloads: readonly StoredPayload[], entries: readonly StoredEntry[]): PackedPayloads {
  const seqOf = new Map<string, number>();
  for (const e of entries) seqOf.set(e.id, e.seq);
  const rows = new Map<
    string,
    { seq: number; keyId: string; timeMs: number; arguments?: StoredPayload; result?: StoredPayload }
  >();
  let total = 0;
  for (const p of payloads) {
    const seq = seqOf.get(p.eventId);
    if (seq === undefined) throw new TypeError(`payload of ${p.eventId}, which is not in the batch`);
    if (p.nonce.length !== 12) throw new TypeError('a payload nonce must be 12 bytes');
    let row = rows.get(p.eventId);
    if (!row) {
      row = { seq, keyId: p.keyId, timeMs: p.timeMs };
      rows.set(p.eventId, row);
    } else if (row.keyId !== p.keyId) {
      throw new TypeError(`the payloads of ${p.eventId} use two keys`);
    }
    row[p.field] = p;
    total += 12 + p.ciphertext.length;
  }
  const bytes = new Uint8Array(total);
  const packed = {
    seqs: [] as number[],
    eventIds: [] as string[],
    keyIds: [] as string[],
    times: [] as number[],
    argLengths: [] as number[],
    resultLengths: [] as number[],
  };
  let offset = 0;
  const put = (p: StoredPayload | undefined): number => {
    if (!p) return -1;
    bytes.set(p.nonce, offset);
    bytes.set(p.ciphertext, offset + 12);
    offset += 12 + p.ciphertext.length;
    return 12 + p.ciphertext.length;
  };
  for (const [eventId, row] of rows) {
    packed.seqs.push(row.seq);
    packed.eventIds.push(eventId);
    packed.keyIds.push(row.keyId);
    packed.times.push(row.timeMs);
    packed.argLengths.push(put(row.arguments));
    packed.resultLengths.push(put(row.result));
  }
  return { ...packed, bytes };
}

class SqliteReader implements AuditReader {
  private readonly db: DatabaseSync;
  private byId: StatementSync | undefined;
  private bySeq: StatementSync | undefined;

  constructor(db: DatabaseSync) {
    this.db = db;
  }

  async checkpoints(): Promise<SignedCheckpoint[]> {
    const rows = this.db
      .prepare('SELECT size, root, time, key_id, signature FROM audit_checkpoints ORDER BY size')
      .all() as Array<{ size: number; root: string; time: string; key_id: string; signature: string }>;
    return rows.map((r) => ({
      size: r.size,
      root: r.root,
      time: r.time,
      keyId: r.key_id,
      signature: r.signature,
    }));
  }

  async *entries(): AsyncIterable<StoredEntry> {
    for (const row of this.db
      .prepare('SELECT seq, id, leaf, hash FROM audit_entries ORDER BY seq')
      .iterate()) {
      yield toEntry(row as unknown as EntryRow);
    }
  }

  async *leafHashes(limit: number): AsyncIterable<Buffer> {
    const stmt = this.db.prepare('SELECT hash FROM audit_entries ORDER BY seq LIMIT ?');
    for (const row of stmt.iterate(limit)) yield asBuffer((row as { hash: Uint8Array }).hash);
  }

  async entryById(id: string): Promise<StoredEntry | undefined> {
    const near = UUID7.test(id) ? this.nearTime(id) : undefined;
    if (near) return near;
    // Out of time order (a clock stepped back) or not a UUIDv7: a full scan, correct if slow.
    this.byId ??= this.db.prepare(
      'SELECT seq, id, leaf, hash FROM audit_entries WHERE id = ? ORDER BY seq LIMIT 1',
    );
    const row = this.byId.get(id) as unknown as EntryRow | undefined;
    return row && toEntry(row);
  }

  /** Binary search on the ids' time prefix (ids grow with seq while the clock does), then a short scan. */
  private nearTime(id: string): StoredEntry | undefined {
    const target = timeOf(id);
    const first = this.db.prepare('SELECT seq, id FROM audit_entries WHERE seq >= ? ORDER BY seq LIMIT 1');
    const bounds = this.db.prepare('SELECT min(seq) AS lo, max(seq) AS hi FROM audit_entries').get() as {
      lo: number | null;
      hi: number | null;
    };
    if (bounds.lo === null || bounds.hi === null) return undefined;
    let lo = bounds.lo;
    let hi = bounds.hi + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = first.get(mid) as { seq: number; id: string } | undefined;
      if (!row || timeOf(row.id) >= target) hi = mid;
      else lo = row.seq + 1;
    }
    const scan = this.db.prepare('SELECT seq, id, leaf, hash FROM audit_entries WHERE seq >= ? ORDER BY seq');
    for (const row of scan.iterate(lo)) {
      const entry = row as unknown as EntryRow;
      if (entry.id === id) return toEntry(entry);
      if (timeOf(entry.id) > target) return undefined;
    }
    return undefined;
  }

  async entryBySeq(seq: number): Promise<StoredEntry | undefined> {
    this.bySeq ??= this.db.prepare('SELECT seq, id, leaf, hash FROM audit_entries WHERE seq = ?');
    const row = this.bySeq.get(seq) as unknown as EntryRow | undefined;
    return row && toEntry(row);
  }

  async payloads(seq: number): Promise<PayloadRow[]> {
    const row = this.db
      .prepare('SELECT event_id, key_id, time_ms, arguments, result FROM audit_payloads WHERE seq = ?')
      .get(seq) as
      | {
          event_id: string;
          key_id: string;
          time_ms: number;
          arguments: Uint8Array | null;
          result: Uint8Array | null;
        }
      | undefined;
    if (!row) return [];
    const out: PayloadRow[] = [];
    for (const field of ['arguments', 'result'] as const) {
      const blob = row[field];
      if (!blob) continue;
      const bytes = asBuffer(blob);
      out.push({
        field,
        eventId: row.event_id,
        keyId: row.key_id,
        nonce: bytes.subarray(0, 12),
        ciphertext: bytes.subarray(12),
        timeMs: row.time_ms,
      });
    }
    return out;
  }

  async subjectKey(keyId: string): Promise<SubjectKeyRow | undefined> {
    const row = this.db
      .prepare(
        'SELECT key_id, subject_ref, wrapped_key, created_ms, erased_ms FROM audit_subject_keys WHERE key_id = ?',
      )
      .get(keyId) as
      | {
          key_id: string;
          subject_ref: string;
          wrapped_key: Uint8Array | null;
          created_ms: number;
          erased_ms: number | null;
        }
      | undefined;
    return (
      row && {
        keyId: row.key_id,
        subjectRef: row.subject_ref,
        wrapped: row.wrapped_key && asBuffer(row.wrapped_key),
        createdMs: row.created_ms,
        erasedMs: row.erased_ms,
      }
    );
  }

  async purgedBeforeMs(): Promise<number | undefined> {
    const row = this.db.prepare(`SELECT value FROM audit_meta WHERE key = 'purged_before_ms'`).get() as
      | { value: string }
      | undefined;
    return row ? Number(row.value) : undefined;
  }
}

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7/;

/** The 48-bit millisecond prefix of a UUIDv7, which sorts as a string. */
function timeOf(id: string): string {
  return id.slice(0, 8) + id.slice(9, 13);
}

interface EntryRow {
  seq: number;
  id: string;
  leaf: string;
  hash: Uint8Array;
}

function toEntry(row: EntryRow): StoredEntry {
  return { seq: row.seq, id: row.id, leaf: row.leaf, hash: asBuffer(row.hash) };
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
