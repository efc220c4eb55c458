// Embedded state in one SQLite file under the state directory: Rampart's own secrets and revocations. Request
// events live in the tamper-evident audit log (src/audit, audit.db beside this file).
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export class SqliteStore {
  readonly file: string;
  private readonly db: DatabaseSync;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, 'rampart.db');
    this.db = new DatabaseSync(this.file);
    this.db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS revocations (
        kind TEXT NOT NULL, value TEXT NOT NULL, time TEXT NOT NULL, PRIMARY KEY (kind, value)
      );`);
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

  /** A small named value kept across restarts (the digest of the last configuration Rampart ran with). */
  meta(name: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(name: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      )
      .run(name, value);
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

  close(): void {
    this.db.close();
  }
}
