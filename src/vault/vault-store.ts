// The vault's records in `<stateDir>/vault.db` (owner-only file): one row per version of a secret, its data key
// wrapped by the master key and its value encrypted under that data key. Nothing here is ever plaintext. A revision
// counter is bumped by every write so a running gateway notices what `rampart secrets` changed (it polls it).
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SecretKind } from './envelope.ts';

export interface VaultRow {
  name: string;
  version: number;
  kind: SecretKind;
  createdAt: number;
  /** When a rotation replaced this version; null for the current one. */
  retiredAt: number | null;
  keyId: string;
  wrappedKey: Buffer;
  ciphertext: Buffer;
}

interface RawRow {
  name: string;
  version: number;
  kind: string;
  created_at: number;
  retired_at: number | null;
  key_id: string;
  wrapped_key: Uint8Array;
  ciphertext: Uint8Array;
}

export const VAULT_FILE = 'vault.db';

export class VaultStore {
  readonly file: string;
  private readonly db: DatabaseSync;

  private constructor(file: string, db: DatabaseSync) {
    this.file = file;
    this.db = db;
  }

  /** True when a vault was ever created in `stateDir`. */
  static exists(stateDir: string): boolean {
    return existsSync(path.join(stateDir, VAULT_FILE));
  }

  /** Opens (creating when needed) the vault database in `stateDir`, readable by its owner only. */
  static open(stateDir: string): VaultStore {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const file = path.join(stateDir, VAULT_FILE);
    const db = new DatabaseSync(file);
    chmodSync(file, 0o600);
    db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA secure_delete = ON;
      CREATE TABLE IF NOT EXISTS vault_secrets (
        name TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('secret', 'canary')),
        created_at INTEGER NOT NULL, retired_at INTEGER, key_id TEXT NOT NULL,
        wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL,
        PRIMARY KEY (name, version));
      CREATE TABLE IF NOT EXISTS vault_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
      INSERT OR IGNORE INTO vault_revision (id, revision) VALUES (1, 0);`);
    // The WAL and shared-memory files carry pages of the database too.
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
    }
    return new VaultStore(file, db);
  }

  revision(): number {
    const row = this.db.prepare('SELECT revision FROM vault_revision WHERE id = 1').get() as {
      revision: number;
    };
    return row.revision;
  }

  /** Every version of every secret, by name then version. */
  rows(): VaultRow[] {
    const rows = this.db
      .prepare('SELECT * FROM vault_secrets ORDER BY name, version')
      .all() as unknown as RawRow[];
    return rows.map(fromRaw);
  }

  /** The current version of `name`, if it exists. */
  current(name: string): VaultRow | undefined {
    const row = this.db
      .prepare('SELECT * FROM vault_secrets WHERE name = ? AND retired_at IS NULL')
      .get(name) as unknown as RawRow | undefined;
    return row && fromRaw(row);
  }

  /** Runs `work` in one write transaction and bumps the revision (every write goes through here). */
  write<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.prepare('UPDATE vault_revision SET revision = revision + 1 WHERE id = 1').run();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  insert(row: VaultRow): void {
    this.db
      .prepare(
        `INSERT INTO vault_secrets (name, version, kind, created_at, retired_at, key_id, wrapped_key, ciphertext)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.name,
        row.version,
        row.kind,
        row.createdAt,
        row.retiredAt,
        row.keyId,
        row.wrappedKey,
        row.ciphertext,
      );
  }

  retire(name: string, version: number, at: number): void {
    this.db
      .prepare('UPDATE vault_secrets SET retired_at = ? WHERE name = ? AND version = ?')
      .run(at, name, version);
  }

  /** Replaces a version's wrapped data key (re-wrapping under a new master key). */
  setWrapping(name: string, version: number, keyId: string, wrappedKey: Buffer): void {
    this.db
      .prepare('UPDATE vault_secrets SET key_id = ?, wrapped_key = ? WHERE name = ? AND version = ?')
      .run(keyId, wrappedKey, name, version);
  }

  /** Deletes every version of `name`; the number of rows deleted. */
  remove(name: string): number {
    return Number(this.db.prepare('DELETE FROM vault_secrets WHERE name = ?').run(name).changes);
  }

  /** Destroys versions retired at or before `before`. */
  pruneRetired(before: number): number {
    return Number(
      this.db
        .prepare('DELETE FROM vault_secrets WHERE retired_at IS NOT NULL AND retired_at <= ?')
        .run(before).changes,
    );
  }

  close(): void {
    this.db.close();
  }
}

function fromRaw(row: RawRow): VaultRow {
  return {
    name: row.name,
    version: row.version,
    kind: row.kind as SecretKind,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    keyId: row.key_id,
    wrappedKey: Buffer.from(row.wrapped_key),
    ciphertext: Buffer.from(row.ciphertext),
  };
}
