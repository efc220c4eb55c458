// Worker thread that owns the audit database's write connection. node:sqlite is synchronous, and a commit with
// synchronous=FULL waits for fsync; on the main thread that wait would stall every request in flight. Here it
// only delays the batch being committed, while the main thread keeps serving and gathers the next batch.
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { GENESIS } from './chain.ts';
import type { SignedCheckpoint } from './checkpoint.ts';
import { MerkleFrontier } from './merkle.ts';
import { openAuditDatabase } from './sqlite-schema.ts';
import type { StoredHead } from './store.ts';

export interface WriterInit {
  readonly file: string;
  readonly busyTimeoutMs: number;
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
}

export type WriterRequest =
  | WriteRequest
  | { readonly type: 'head'; readonly id: number }
  | { readonly type: 'close'; readonly id: number };

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'done'; readonly id: number; readonly value: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

class Writer {
  private readonly db: DatabaseSync;
  private readonly begin: StatementSync;
  private readonly commit: StatementSync;
  private readonly insertEntry: StatementSync;
  private readonly insertCheckpoint: StatementSync;
  private readonly setMeta: StatementSync;
  private transactions = 0;

  constructor(init: WriterInit) {
    this.db = openAuditDatabase(init.file, init.busyTimeoutMs);
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
  }

  write(req: WriteRequest): { transactions: number } {
    this.begin.run();
    try {
      for (let i = 0; i < req.ids.length; i++) {
        this.insertEntry.run(
          req.firstSeq + i,
          req.ids[i]!,
          req.leaves[i]!,
          req.hashes.subarray(i * 32, i * 32 + 32),
        );
      }
      const cp = req.checkpoint;
      if (cp)
        this.insertCheckpoint.run(cp.size, cp.root, cp.time, cp.keyId, cp.signature, req.frontier ?? null);
      if (req.spoolGeneration) this.setMeta.run('spool_generation', req.spoolGeneration);
      this.commit.run();
    } catch (err) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw err;
    }
    this.transactions += 1;
    return { transactions: this.transactions };
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

  close(): void {
    this.db.close();
  }
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
      if (req.type === 'write') value = writer.write(req);
      else if (req.type === 'head') value = writer.head();
      else {
        writer.close();
        port.postMessage({ type: 'done', id: req.id, value: undefined } satisfies WriterReply);
        port.close();
        return;
      }
      port.postMessage({ type: 'done', id: req.id, value } satisfies WriterReply);
    } catch (err) {
      port.postMessage({ type: 'error', id: req.id, message: String(err) } satisfies WriterReply);
    }
  });
}

if (parentPort) main(parentPort);
