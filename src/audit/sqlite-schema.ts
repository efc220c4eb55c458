// The audit tables in their own SQLite file (audit.db): the request-event store flushes its batches every 50 ms
// and would otherwise contend with the audit writer for SQLite's single write lock.
//
// There is deliberately no index on `id`: it would cost ~2.5 µs per event (a tenth of the audit budget) for a
// lookup that only `rampart audit proof` makes. Ids are UUIDv7, so their time prefix grows with `seq`, and the
// reader finds an id by binary search on it (see sqlite-audit-store.ts), scanning only if that fails.
//
// Payload tables (privacy/): `audit_payloads` holds one row per event with kept payloads, keyed by the entry's
// sequence number (the rowid: no index to maintain), each field's nonce || ciphertext || GCM tag in its own column.
// Measured: one row per event and no secondary index cost ~3 µs per event in the writer; two rows per event with
// (event_id, field) and key_id indexes cost ~21 µs. Erasure, which is rare, pays instead: it finds a subject's rows
// by scanning in bounded windows. Retention walks the rowid in chain order.
// `audit_subject_keys` keeps each subject key wrapped under the master key, by pseudonymous subject ref; an erased
// key keeps its row (NULL key, `erased_ms`) so that `rampart audit show` can say "erased" rather than "missing".
// `audit_erasures` is the tombstone list: a key of a subject made before its erasure but stored after it (by a
// running gateway) is refused, and an erasure whose audit event is not recorded yet (`event_id` NULL) is recorded
// by the next one.
//
// secure_delete makes SQLite overwrite deleted content with zeros, so erased keys and purged ciphertexts do not
// stay readable in free pages; erasure also truncates the WAL (see sqlite-writer.ts).
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
    PRAGMA secure_delete = ON;
    CREATE TABLE IF NOT EXISTS audit_entries (
      seq INTEGER PRIMARY KEY, id TEXT NOT NULL, leaf TEXT NOT NULL, hash BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS audit_checkpoints (
      size INTEGER PRIMARY KEY, root TEXT NOT NULL, time TEXT NOT NULL, key_id TEXT NOT NULL, signature TEXT NOT NULL,
      frontier BLOB
    );
    -- 'spool_generation': the last spool drained into the log; 'purged_before_ms': the latest retention cutoff;
    -- 'probe': when a failing store last proved it accepts writes again.
    CREATE TABLE IF NOT EXISTS audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS audit_payloads (
      seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, key_id TEXT NOT NULL, time_ms INTEGER NOT NULL,
      arguments BLOB, result BLOB
    );
    CREATE TABLE IF NOT EXISTS audit_subject_keys (
      key_id TEXT PRIMARY KEY, subject_ref TEXT NOT NULL, wrapped_key BLOB, created_ms INTEGER NOT NULL,
      erased_ms INTEGER
    );
    CREATE INDEX IF NOT EXISTS audit_subject_keys_ref ON audit_subject_keys (subject_ref);
    CREATE TABLE IF NOT EXISTS audit_erasures (
      id INTEGER PRIMARY KEY, subject_ref TEXT NOT NULL, erased_ms INTEGER NOT NULL, keys TEXT NOT NULL,
      payloads INTEGER NOT NULL, event_id TEXT
    );
    CREATE INDEX IF NOT EXISTS audit_erasures_ref ON audit_erasures (subject_ref, erased_ms);`);
  return db;
}
