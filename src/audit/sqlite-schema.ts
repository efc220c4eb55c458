// The audit tables in their own SQLite file (audit.db): the request-event store flushes its batches every 50 ms
// and would otherwise contend with the audit writer for SQLite's single write lock.
//
// There is deliberately no index on `id`: it would cost ~2.5 µs per event (a tenth of the audit budget) for a
// lookup that only `rampart audit proof` makes. Ids are UUIDv7, so their time prefix grows with `seq`, and the
// reader finds an id by binary search on it (see sqlite-audit-store.ts), scanning only if that fails.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export const AUDIT_DB_FILE = 'audit.db';

/** Opens (creating if needed) the audit database with durable settings: WAL, fsync on every commit. */
export function openAuditDatabase(file: string, busyTimeoutMs: number): DatabaseSync {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))};
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    CREATE TABLE IF NOT EXISTS audit_entries (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL, leaf TEXT NOT NULL, hash BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit_checkpoints (
      size INTEGER PRIMARY KEY, root TEXT NOT NULL, time TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL,
      frontier BLOB
    );
    -- Only 'spool_generation' so far: the last spool drained into the log.
    CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);`);
  return db;
}
