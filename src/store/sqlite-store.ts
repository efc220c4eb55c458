// Embedded state in one SQLite file under the state directory: request events and Rampart's own secrets.
// Events are written in small batches (one transaction per flush) to keep the per-request cost low; the
// tamper-evident audit log of a later stage will write synchronously before the response instead.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { EventSink, RequestEvent } from '../guards/pipeline.ts';

const FLUSH_MS = 50;
const FLUSH_AT = 512;
const MAX_BUFFERED = 100_000;

export class SqliteStore implements EventSink {
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly insertEvent: StatementSync;
  private buffer: RequestEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  /** Told about write failures that were survived (the runtime logs them). */
  onError: (err: unknown) => void = () => undefined;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'rampart.db');
    this.db = new DatabaseSync(this.file);
    this.db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS revocations (
        kind TEXT NOT NULL, value TEXT NOT NULL, time TEXT NOT NULL, PRIMARY KEY (kind, value)
      );
      CREATE TABLE IF NOT EXISTS request_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL, request_id TEXT NOT NULL, session_id TEXT, principal TEXT, era TEXT NOT NULL, server TEXT,
        method TEXT NOT NULL, name TEXT, decision TEXT NOT NULL, code TEXT, rule_ids TEXT NOT NULL,
        timings TEXT NOT NULL
      );`);
    this.insertEvent = this.db.prepare(
      `INSERT INTO request_events (time, request_id, session_id, principal, era, server, method, name, decision, code, rule_ids, timings)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** A named random secret, created on first use and kept across restarts (HMAC keys for cursors and state). */
  secret(name: string, bytes = 32): Buffer {
    const row = this.db.prepare('SELECT value FROM secrets WHERE name = ?').get(name) as
      | { value: Uint8Array }
      | undefined;
    if (row) return Buffer.from(row.value);
    const value = randomBytes(bytes);
    this.db.prepare('INSERT INTO secrets (name, value) VALUES (?, ?)').run(name, value);
    return value;
  }

  /** Adds a revocation: kind `jti` (one token) or `subject` (every token of `issuer subject`). */
  revoke(kind: 'jti' | 'subject', value: string): void {
    this.db
      .prepare('INSERT OR IGNORE INTO revocations (kind, value, time) VALUES (?, ?, ?)')
      .run(kind, value, new Date().toISOString());
  }

  revocations(): Array<{ kind: string; value: string }> {
    return this.db.prepare('SELECT kind, value FROM revocations').all() as Array<{
      kind: string;
      value: string;
    }>;
  }

  record(event: RequestEvent): void {
    // Bounded even while the disk refuses writes (the tamper-evident audit log will fail closed instead).
    if (this.buffer.length >= MAX_BUFFERED) this.buffer.shift();
    this.buffer.push(event);
    if (this.buffer.length >= FLUSH_AT) this.flushSafely();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flushSafely(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** A failed write (disk full, lock held too long) must not take the gateway down; the batch is kept and retried. */
  private flushSafely(): void {
    try {
      this.flush();
    } catch (err) {
      this.onError(err);
      if (!this.timer) {
        this.timer = setTimeout(() => this.flushSafely(), 1_000);
        this.timer.unref();
      }
    }
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.db.exec('BEGIN');
    try {
      for (const e of batch) {
        this.insertEvent.run(
          e.time,
          e.requestId,
          e.sessionId ?? null,
          e.principal ? JSON.stringify(e.principal) : null,
          e.era,
          e.server ?? null,
          e.method,
          e.name ?? null,
          e.decision,
          e.code ?? null,
          JSON.stringify(e.ruleIds),
          JSON.stringify(e.timings),
        );
      }
      this.db.exec('COMMIT');
      this.buffer = this.buffer.slice(batch.length);
    } catch (err) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // nothing to roll back
      }
      throw err;
    }
  }

  recentEvents(limit: number): Array<Record<string, unknown>> {
    this.flush();
    return this.db.prepare('SELECT * FROM request_events ORDER BY seq DESC LIMIT ?').all(limit) as Array<
      Record<string, unknown>
    >;
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
