// The SQLite audit store: writes go through a worker thread (sqlite-writer.ts) so that fsync never blocks the
// event loop; reads (verify, proof, export) use a connection on the calling thread inside one read transaction,
// which in WAL mode is a stable snapshot even while the gateway keeps writing.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { AuditError } from './audit-error.ts';
import type { StoredEntry } from './chain.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import { openAuditDatabase } from './sqlite-schema.ts';
import type { WriterInit, WriterReply, WriterRequest } from './sqlite-writer.ts';
import type { AuditReader, AuditStore, StoredHead, WriteBatch } from './store.ts';

const WRITER_URL = new URL('./sqlite-writer.ts', import.meta.url);

interface Waiter {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface SqliteAuditStoreOptions {
  /** How long a write waits for a lock held by another connection before failing (closed). */
  readonly busyTimeoutMs?: number;
}

export class SqliteAuditStore implements AuditStore {
  readonly file: string;
  private readonly busyTimeoutMs: number;
  private worker: Promise<Worker> | undefined;
  private readonly waiters = new Map<number, Waiter>();
  private nextId = 1;
  private readDb: DatabaseSync | undefined;
  private reading: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(file: string, options: SqliteAuditStoreOptions = {}) {
    this.file = file;
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  head(): Promise<StoredHead> {
    return this.call({ type: 'head' }) as Promise<StoredHead>;
  }

  write(batch: WriteBatch): Promise<{ transactions: number }> {
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
    return this.call({
      type: 'write',
      firstSeq: batch.entries[0]?.seq ?? 0,
      ids,
      leaves,
      hashes,
      checkpoint: batch.checkpoint && { ...batch.checkpoint.signed },
      frontier: batch.checkpoint && new Uint8Array(batch.checkpoint.frontier),
      spoolGeneration: batch.spoolGeneration,
    }) as Promise<{ transactions: number }>;
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
    const init: WriterInit = { file: this.file, busyTimeoutMs: this.busyTimeoutMs };
    const started = new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(WRITER_URL, { workerData: init });
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
