// Configuration versions in the state directory's rampart.db: the exact bytes of the config file and its policy
// files (content-addressed, so an unchanged file is stored once), who recorded them, their status and approvals.
// Every transition is checked and written inside one IMMEDIATE transaction, so the gateway, `rampart config`
// and a second gateway on the same state directory can race without two versions ever being active.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { RampartError } from '../errors.ts';
import { samePerson } from './author.ts';
import { bytesSha256, type FileRole, type Snapshot, type SnapshotFile, versionDigest } from './snapshot.ts';

export const VERSIONS_DB_FILE = 'rampart.db';

export type VersionStatus = 'proposed' | 'approved' | 'active' | 'superseded' | 'rejected';

export interface VersionApproval {
  readonly approver: string;
  /** Epoch milliseconds, like every time here. */
  readonly at: number;
  readonly reason: string | undefined;
  /** Set when the approval was carried over from an earlier version with the same content (a rollback). */
  readonly inheritedFrom: number | undefined;
}

export interface VersionFileInfo {
  readonly path: string;
  readonly role: FileRole;
  readonly sha256: string;
  readonly mode: number;
}

export interface VersionRecord {
  readonly seq: number;
  readonly digest: string;
  readonly createdAt: number;
  readonly author: string;
  readonly message: string;
  readonly status: VersionStatus;
  readonly derivedFrom: number | undefined;
  /** The version's config file asks for the two-person rule. */
  readonly twoPersonRule: boolean;
  /** The very first version that ran, accepted without approval so that a fresh install can start. */
  readonly bootstrap: boolean;
  readonly approvals: readonly VersionApproval[];
  readonly files: readonly VersionFileInfo[];
}

export interface NewVersion {
  readonly snapshot: Snapshot;
  readonly author: string;
  readonly createdAt: number;
  readonly message: string;
  readonly status: 'proposed' | 'approved' | 'active';
  readonly derivedFrom?: number | undefined;
  readonly bootstrap?: boolean;
  /** Approvals carried over from the version that first had this content. */
  readonly inherit?: VersionRecord | undefined;
}

interface VersionRow {
  seq: number;
  digest: string;
  created_at: number;
  author: string;
  message: string;
  status: string;
  derived_from: number | null;
  two_person_rule: number;
  bootstrap: number;
}

interface ApprovalRow {
  approver: string;
  at: number;
  reason: string | null;
  inherited_from: number | null;
}

const LIST_LIMIT = 1000;

export class VersionStore {
  readonly file: string;
  private readonly db: DatabaseSync;
  private depth = 0;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, VERSIONS_DB_FILE);
    this.db = new DatabaseSync(this.file);
    // busy_timeout first: the gateway and the CLI write the same file, and schema creation takes the write lock.
    this.db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS config_versions (
        seq INTEGER PRIMARY KEY,
        digest TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        author TEXT NOT NULL,
        message TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'active', 'superseded', 'rejected')),
        derived_from INTEGER,
        two_person_rule INTEGER NOT NULL,
        bootstrap INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX IF NOT EXISTS config_versions_one_active ON config_versions (status)
        WHERE status = 'active';
      CREATE INDEX IF NOT EXISTS config_versions_digest ON config_versions (digest);
      CREATE TABLE IF NOT EXISTS config_blobs (sha256 TEXT PRIMARY KEY, bytes BLOB NOT NULL);
      CREATE TABLE IF NOT EXISTS config_version_files (
        seq INTEGER NOT NULL,
        path TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('config', 'policy')),
        sha256 TEXT NOT NULL,
        mode INTEGER NOT NULL,
        ord INTEGER NOT NULL,
        PRIMARY KEY (seq, path)
      );
      CREATE TABLE IF NOT EXISTS config_version_approvals (
        seq INTEGER NOT NULL,
        approver TEXT NOT NULL,
        at INTEGER NOT NULL,
        reason TEXT,
        inherited_from INTEGER
      );
      CREATE INDEX IF NOT EXISTS config_version_approvals_seq ON config_version_approvals (seq);`);
  }

  /** Runs `work` in one IMMEDIATE transaction (nested calls join the outer one); rolls back when it throws. */
  transaction<T>(work: () => T): T {
    if (this.depth > 0) return work();
    this.db.exec('BEGIN IMMEDIATE');
    this.depth++;
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.depth--;
    }
  }

  get(seq: number): VersionRecord | undefined {
    const row = this.db.prepare('SELECT * FROM config_versions WHERE seq = ?').get(seq) as
      | VersionRow
      | undefined;
    return row ? this.record(row) : undefined;
  }

  /** The version, or RAMPART_CHANGE_UNKNOWN_VERSION. */
  require(seq: number): VersionRecord {
    const found = this.get(seq);
    if (!found) throw new RampartError('RAMPART_CHANGE_UNKNOWN_VERSION', `no configuration version ${seq}`);
    return found;
  }

  /** Every version, oldest first (at most `limit`, the newest ones). */
  list(limit = LIST_LIMIT): VersionRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM (SELECT * FROM config_versions ORDER BY seq DESC LIMIT ?) ORDER BY seq')
      .all(limit) as unknown as VersionRow[];
    return rows.map((row) => this.record(row));
  }

  /** The version running now (the last one a gateway started or reloaded with). */
  active(): VersionRecord | undefined {
    const row = this.db.prepare("SELECT * FROM config_versions WHERE status = 'active'").get() as
      | VersionRow
      | undefined;
    return row ? this.record(row) : undefined;
  }

  /** True once any version has run (active now or superseded since): after that there is no bootstrap. */
  everActive(): boolean {
    return (
      this.db
        .prepare("SELECT 1 AS one FROM config_versions WHERE status IN ('active', 'superseded') LIMIT 1")
        .get() !== undefined
    );
  }

  /** The newest version with this content whose status is one of `statuses`. */
  newestWithDigest(digest: string, statuses: readonly VersionStatus[]): VersionRecord | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM config_versions WHERE digest = ? AND status IN (${statuses.map(() => '?').join(', ')})
         ORDER BY seq DESC LIMIT 1`,
      )
      .get(digest, ...statuses) as VersionRow | undefined;
    return row ? this.record(row) : undefined;
  }

  /**
   * The newest version with this content approved by someone other than its author (not rejected): the proof
   * that two people agreed to it. Approvals carried over by a rollback do not count; the original ones do.
   */
  approvedWithDigest(digest: string): VersionRecord | undefined {
    const rows = this.db
      .prepare("SELECT * FROM config_versions WHERE digest = ? AND status != 'rejected' ORDER BY seq DESC")
      .all(digest) as unknown as VersionRow[];
    for (const row of rows) {
      const version = this.record(row);
      if (isTwoPersonApproved(version)) return version;
    }
    return undefined;
  }

  /** Stores a new version; an `active` one supersedes the version active before, atomically. */
  create(input: NewVersion): VersionRecord {
    return this.transaction(() => {
      if (input.status === 'active') {
        this.db.prepare("UPDATE config_versions SET status = 'superseded' WHERE status = 'active'").run();
      }
      const inserted = this.db
        .prepare(
          `INSERT INTO config_versions (digest, created_at, author, message, status, derived_from, two_person_rule,
             bootstrap) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.snapshot.digest,
          input.createdAt,
          input.author,
          input.message,
          input.status,
          input.derivedFrom ?? null,
          input.snapshot.twoPersonRule ? 1 : 0,
          input.bootstrap ? 1 : 0,
        );
      const seq = Number(inserted.lastInsertRowid);
      const blob = this.db.prepare('INSERT OR IGNORE INTO config_blobs (sha256, bytes) VALUES (?, ?)');
      const file = this.db.prepare(
        'INSERT INTO config_version_files (seq, path, role, sha256, mode, ord) VALUES (?, ?, ?, ?, ?, ?)',
      );
      input.snapshot.files.forEach((f, ord) => {
        blob.run(f.sha256, f.bytes);
        file.run(seq, f.path, f.role, f.sha256, f.mode, ord);
      });
      for (const approval of input.inherit?.approvals ?? []) {
        this.db
          .prepare(
            'INSERT INTO config_version_approvals (seq, approver, at, reason, inherited_from) VALUES (?, ?, ?, ?, ?)',
          )
          .run(
            seq,
            approval.approver,
            approval.at,
            approval.reason ?? null,
            approval.inheritedFrom ?? input.inherit!.seq,
          );
      }
      return this.require(seq);
    });
  }

  /**
   * Makes a proposed or approved version the active one (the previous active is superseded); false otherwise.
   * `bootstrap` marks it as the first version that ran.
   */
  activate(seq: number, bootstrap = false): boolean {
    return this.transaction(() => {
      const version = this.get(seq);
      if (!version || (version.status !== 'proposed' && version.status !== 'approved')) return false;
      this.db.prepare("UPDATE config_versions SET status = 'superseded' WHERE status = 'active'").run();
      this.db
        .prepare("UPDATE config_versions SET status = 'active', bootstrap = MAX(bootstrap, ?) WHERE seq = ?")
        .run(bootstrap ? 1 : 0, seq);
      return true;
    });
  }

  /**
   * Adds `approver`'s approval; a proposed version becomes approved. Refused for the author
   * (RAMPART_CHANGE_SELF_APPROVAL), a second approval by the same person, and rejected versions.
   */
  approve(seq: number, approver: string, at: number, reason?: string): VersionRecord {
    return this.transaction(() => {
      const version = this.require(seq);
      if (version.status === 'rejected') {
        throw new RampartError('RAMPART_CHANGE_WRONG_STATUS', `version ${seq} was rejected`, {
          status: 'rejected',
        });
      }
      if (samePerson(approver, version.author)) {
        throw new RampartError(
          'RAMPART_CHANGE_SELF_APPROVAL',
          `version ${seq} was recorded by ${version.author}; someone else must approve it`,
        );
      }
      if (version.approvals.some((a) => a.inheritedFrom === undefined && samePerson(a.approver, approver))) {
        throw new RampartError(
          'RAMPART_CHANGE_ALREADY_APPROVED',
          `${approver} already approved version ${seq}`,
        );
      }
      this.db
        .prepare('INSERT INTO config_version_approvals (seq, approver, at, reason) VALUES (?, ?, ?, ?)')
        .run(seq, approver, at, reason ?? null);
      this.db
        .prepare("UPDATE config_versions SET status = 'approved' WHERE seq = ? AND status = 'proposed'")
        .run(seq);
      return this.require(seq);
    });
  }

  /** Rejects a proposed or approved version (an active one is rolled back instead). */
  reject(seq: number): VersionRecord {
    return this.transaction(() => {
      const version = this.require(seq);
      const changed = this.db
        .prepare(
          "UPDATE config_versions SET status = 'rejected' WHERE seq = ? AND status IN ('proposed', 'approved')",
        )
        .run(seq);
      if (changed.changes !== 1) {
        throw new RampartError(
          'RAMPART_CHANGE_WRONG_STATUS',
          `version ${seq} is ${version.status}; only proposed or approved versions can be rejected`,
          { status: version.status },
        );
      }
      return this.require(seq);
    });
  }

  /** The files of a version with their bytes, checked against the stored hashes and the version's digest. */
  files(seq: number): SnapshotFile[] {
    const version = this.require(seq);
    const rows = this.db
      .prepare(
        `SELECT f.path, f.role, f.sha256, f.mode, b.bytes FROM config_version_files f
         LEFT JOIN config_blobs b ON b.sha256 = f.sha256 WHERE f.seq = ? ORDER BY f.ord`,
      )
      .all(seq) as unknown as {
      path: string;
      role: FileRole;
      sha256: string;
      mode: number;
      bytes: Uint8Array | null;
    }[];
    const files = rows.map((row) => {
      const bytes = row.bytes ? Buffer.from(row.bytes) : undefined;
      if (!bytes || bytesSha256(bytes) !== row.sha256) throw corrupt(seq, row.path);
      return { path: row.path, role: row.role, sha256: row.sha256, mode: row.mode, bytes };
    });
    if (versionDigest(files) !== version.digest) throw corrupt(seq, '(listing)');
    return files;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  private record(row: VersionRow): VersionRecord {
    const approvals = this.db
      .prepare(
        'SELECT approver, at, reason, inherited_from FROM config_version_approvals WHERE seq = ? ORDER BY rowid',
      )
      .all(row.seq) as unknown as ApprovalRow[];
    const files = this.db
      .prepare('SELECT path, role, sha256, mode FROM config_version_files WHERE seq = ? ORDER BY ord')
      .all(row.seq) as unknown as VersionFileInfo[];
    return {
      seq: row.seq,
      digest: row.digest,
      createdAt: row.created_at,
      author: row.author,
      message: row.message,
      status: row.status as VersionStatus,
      derivedFrom: row.derived_from ?? undefined,
      twoPersonRule: row.two_person_rule === 1,
      bootstrap: row.bootstrap === 1,
      approvals: approvals.map((a) => ({
        approver: a.approver,
        at: a.at,
        reason: a.reason ?? undefined,
        inheritedFrom: a.inherited_from ?? undefined,
      })),
      files: files.map((f) => ({ path: f.path, role: f.role, sha256: f.sha256, mode: f.mode })),
    };
  }
}

/** True when someone other than the author approved this version itself (not by carrying approvals over). */
export function isTwoPersonApproved(version: VersionRecord): boolean {
  return version.approvals.some(
    (a) => a.inheritedFrom === undefined && !samePerson(a.approver, version.author),
  );
}

function corrupt(seq: number, file: string): RampartError {
  return new RampartError(
    'RAMPART_CHANGE_CORRUPT',
    `the stored files of version ${seq} do not match their digest (${file})`,
    { version: seq },
  );
}
