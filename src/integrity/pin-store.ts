// Approved pins and the changes waiting on a decision, kept in the state directory's rampart.db so that
// `rampart tools` in another process sees and decides them. Every decision is one conditional UPDATE (status must
// still be `pending`), so an approver on the CLI and one on the admin API racing each other cannot both win, and
// each bumps a revision counter the running gateway polls to apply decisions made elsewhere.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { PinKind } from './pins.ts';

export type ChangeKind = 'added' | 'changed' | 'removed';
export type ChangeStatus = 'pending' | 'approved' | 'rejected' | 'superseded';

/** An approved definition: what the server may serve under this key. */
export interface ApprovedPin {
  readonly server: string;
  readonly kind: PinKind;
  readonly key: string;
  readonly sha256: string;
  readonly definition: unknown;
  readonly approvedAt: number;
  /** Who approved it: an operator, `tofu` (first use) or `manifest:<signer>`. */
  readonly approvedBy: string;
  readonly reason: string;
}

export interface Approval {
  readonly by: string;
  readonly at: number;
  readonly reason: string;
}

/** A definition that differs from its pin (or has none), with both sides kept for the diff. */
export interface PinChange {
  readonly id: string;
  readonly server: string;
  readonly kind: PinKind;
  readonly key: string;
  readonly change: ChangeKind;
  readonly oldSha256: string | undefined;
  readonly newSha256: string | undefined;
  readonly oldDefinition: unknown;
  readonly newDefinition: unknown;
  /** For an addition: the key of a removed definition it equals but for its name (a rename). */
  readonly renamedFrom: string | undefined;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly status: ChangeStatus;
  readonly approvals: readonly Approval[];
  readonly decidedBy: string | undefined;
  readonly decidedAt: number | undefined;
  readonly reason: string | undefined;
}

export interface NewChange {
  readonly server: string;
  readonly kind: PinKind;
  readonly key: string;
  readonly change: ChangeKind;
  readonly oldSha256: string | undefined;
  readonly newSha256: string | undefined;
  readonly oldDefinition: unknown;
  readonly newDefinition: unknown;
  readonly renamedFrom: string | undefined;
  readonly at: number;
}

interface ChangeRow {
  id: string;
  server: string;
  kind: string;
  key: string;
  change: string;
  old_sha256: string | null;
  new_sha256: string | null;
  old_definition: string | null;
  new_definition: string | null;
  renamed_from: string | null;
  first_seen: number;
  last_seen: number;
  status: string;
  approvals: string;
  decided_by: string | null;
  decided_at: number | null;
  reason: string | null;
}

interface PinRow {
  server: string;
  kind: string;
  key: string;
  sha256: string;
  definition: string;
  approved_at: number;
  approved_by: string;
  reason: string;
}

export class PinStore {
  private readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Opens (creating when needed) the pin tables in `<stateDir>/rampart.db`. */
  static open(stateDir: string): PinStore {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const db = new DatabaseSync(path.join(stateDir, 'rampart.db'));
    db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      CREATE TABLE IF NOT EXISTS integrity_pins (
        server TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, sha256 TEXT NOT NULL,
        definition TEXT NOT NULL, approved_at INTEGER NOT NULL, approved_by TEXT NOT NULL, reason TEXT NOT NULL,
        PRIMARY KEY (server, kind, key));
      CREATE TABLE IF NOT EXISTS integrity_changes (
        id TEXT PRIMARY KEY, server TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, change TEXT NOT NULL,
        old_sha256 TEXT, new_sha256 TEXT, old_definition TEXT, new_definition TEXT, renamed_from TEXT,
        first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, status TEXT NOT NULL,
        approvals TEXT NOT NULL DEFAULT '[]', decided_by TEXT, decided_at INTEGER, reason TEXT,
        audited INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS integrity_changes_open ON integrity_changes (server, kind, key, status);
      CREATE TABLE IF NOT EXISTS integrity_seen (
        server TEXT NOT NULL, kind TEXT NOT NULL, first_seen INTEGER NOT NULL, set_sha256 TEXT NOT NULL,
        PRIMARY KEY (server, kind));
      CREATE TABLE IF NOT EXISTS integrity_revision (id INTEGER PRIMARY KEY CHECK (id = 1), revision INTEGER NOT NULL);
      INSERT OR IGNORE INTO integrity_revision (id, revision) VALUES (1, 0);`);
    return new PinStore(db);
  }

  /** Bumped by every decision and pin write; the gateway polls it to apply what another process decided. */
  revision(): number {
    const row = this.db.prepare('SELECT revision FROM integrity_revision WHERE id = 1').get() as {
      revision: number;
    };
    return row.revision;
  }

  /** Every approved pin, optionally of one server. */
  pins(server?: string): ApprovedPin[] {
    const rows = (server === undefined
      ? this.db.prepare('SELECT * FROM integrity_pins ORDER BY server, kind, key').all()
      : this.db
          .prepare('SELECT * FROM integrity_pins WHERE server = ? ORDER BY kind, key')
          .all(server)) as unknown as PinRow[];
    return rows.map(toPin);
  }

  /** Whether this kind of definition was ever seen from the server (trust on first use applies only before). */
  seen(server: string, kind: PinKind): boolean {
    return (
      this.db.prepare('SELECT 1 FROM integrity_seen WHERE server = ? AND kind = ?').get(server, kind) !==
      undefined
    );
  }

  /** Records the set hash last served for one kind (and, the first time, that the kind has been seen). */
  markSeen(server: string, kind: PinKind, setSha256: string, at: number): void {
    this.db
      .prepare(
        `INSERT INTO integrity_seen (server, kind, first_seen, set_sha256) VALUES (?, ?, ?, ?)
         ON CONFLICT (server, kind) DO UPDATE SET set_sha256 = excluded.set_sha256`,
      )
      .run(server, kind, at, setSha256);
  }

  /** The set hash last served for each kind of one server. */
  servedSets(server: string): Record<string, string> {
    const rows = this.db
      .prepare('SELECT kind, set_sha256 FROM integrity_seen WHERE server = ?')
      .all(server) as {
      kind: string;
      set_sha256: string;
    }[];
    return Object.fromEntries(rows.map((r) => [r.kind, r.set_sha256]));
  }

  /** Pins definitions without a change record (trust on first use, a signed manifest), in one transaction. */
  pin(pins: readonly Omit<ApprovedPin, 'approvedAt'>[], at: number): void {
    if (pins.length === 0) return;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      for (const pin of pins) this.writePin(pin, at);
      this.bump();
      this.db.exec('COMMIT');
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** The keys of one kind with a pending change (to close when the server serves them as pinned again). */
  pendingKeys(server: string, kind: PinKind): Set<string> {
    const rows = this.db
      .prepare(
        "SELECT DISTINCT key FROM integrity_changes WHERE server = ? AND kind = ? AND status = 'pending'",
      )
      .all(server, kind) as { key: string }[];
    return new Set(rows.map((r) => r.key));
  }

  /** Open (pending or rejected) changes of one key, newest first. */
  openChanges(server: string, kind: PinKind, key: string): PinChange[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM integrity_changes WHERE server = ? AND kind = ? AND key = ? AND status IN ('pending', 'rejected')
         ORDER BY first_seen DESC, id DESC`,
      )
      .all(server, kind, key) as unknown as ChangeRow[];
    return rows.map(toChange);
  }

  /**
   * Records a change unless the same one (same key and new hash) is already open, in which case only its last-seen
   * time moves. A different pending change of the same key is superseded: only what is served now awaits a decision.
   * Returns the record and whether it is new.
   */
  record(change: NewChange): { change: PinChange; created: boolean } {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const open = this.openChanges(change.server, change.kind, change.key);
      const same = open.find((c) => c.newSha256 === change.newSha256 && c.change === change.change);
      if (same) {
        this.db.prepare('UPDATE integrity_changes SET last_seen = ? WHERE id = ?').run(change.at, same.id);
        this.db.exec('COMMIT');
        return { change: { ...same, lastSeen: change.at }, created: false };
      }
      for (const stale of open.filter((c) => c.status === 'pending')) {
        this.db
          .prepare(
            "UPDATE integrity_changes SET status = 'superseded', decided_at = ? WHERE id = ? AND status = 'pending'",
          )
          .run(change.at, stale.id);
      }
      const id = `chg_${randomBytes(8).toString('hex')}`;
      this.db
        .prepare(
          `INSERT INTO integrity_changes (id, server, kind, key, change, old_sha256, new_sha256, old_definition,
             new_definition, renamed_from, first_seen, last_seen, status)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
        )
        .run(
          id,
          change.server,
          change.kind,
          change.key,
          change.change,
          change.oldSha256 ?? null,
          change.newSha256 ?? null,
          json(change.oldDefinition),
          json(change.newDefinition),
          change.renamedFrom ?? null,
          change.at,
          change.at,
        );
      this.bump();
      this.db.exec('COMMIT');
      return { change: this.change(id) as PinChange, created: true };
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Closes pending changes of a key that no longer apply (the server went back to its pinned definition). */
  supersedeOpen(server: string, kind: PinKind, key: string, at: number): number {
    const result = this.db
      .prepare(
        `UPDATE integrity_changes SET status = 'superseded', decided_at = ?
         WHERE server = ? AND kind = ? AND key = ? AND status = 'pending'`,
      )
      .run(at, server, kind, key);
    if (Number(result.changes) > 0) this.bump();
    return Number(result.changes);
  }

  change(id: string): PinChange | undefined {
    const row = this.db.prepare('SELECT * FROM integrity_changes WHERE id = ?').get(id) as unknown as
      | ChangeRow
      | undefined;
    return row ? toChange(row) : undefined;
  }

  /** Changes by status (default: pending), oldest first. */
  changes(status: ChangeStatus | 'all' = 'pending', server?: string): PinChange[] {
    const where: string[] = [];
    const args: string[] = [];
    if (status !== 'all') {
      where.push('status = ?');
      args.push(status);
    }
    if (server !== undefined) {
      where.push('server = ?');
      args.push(server);
    }
    const sql = `SELECT * FROM integrity_changes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY first_seen, id`;
    return (this.db.prepare(sql).all(...args) as unknown as ChangeRow[]).map(toChange);
  }

  /**
   * Adds one approval to a pending change; with `required` distinct approvals it is approved and the pin takes its
   * new definition (or, for a removal, the pin goes). Returns the change after the update, or the reason it failed.
   */
  approve(
    id: string,
    approval: Approval,
    required: number,
  ): { ok: true; change: PinChange } | { ok: false; reason: 'not_found' | 'decided' | 'duplicate_approver' } {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const current = this.change(id);
      if (!current) return this.abort('not_found');
      if (current.status !== 'pending') return this.abort('decided');
      if (current.approvals.some((a) => a.by === approval.by)) return this.abort('duplicate_approver');
      const approvals = [...current.approvals, approval];
      const done = approvals.length >= required;
      this.db
        .prepare(
          `UPDATE integrity_changes SET approvals = ?, status = ?, decided_by = ?, decided_at = ?, reason = ?
           WHERE id = ? AND status = 'pending'`,
        )
        .run(
          JSON.stringify(approvals),
          done ? 'approved' : 'pending',
          done ? approvals.map((a) => a.by).join(', ') : null,
          done ? approval.at : null,
          done ? approvals.map((a) => a.reason).join(' / ') : null,
          id,
        );
      if (done) {
        if (current.change === 'removed') {
          this.db
            .prepare('DELETE FROM integrity_pins WHERE server = ? AND kind = ? AND key = ?')
            .run(current.server, current.kind, current.key);
        } else {
          this.writePin(
            {
              server: current.server,
              kind: current.kind,
              key: current.key,
              sha256: current.newSha256 as string,
              definition: current.newDefinition,
              approvedBy: approvals.map((a) => a.by).join(', '),
              reason: approvals.map((a) => a.reason).join(' / '),
            },
            approval.at,
          );
        }
      }
      this.bump();
      this.db.exec('COMMIT');
      return { ok: true, change: this.change(id) as PinChange };
    } catch (err) {
      this.db.exec('ROLLBACK');
      throw err;
    }
  }

  /** Rejects a pending change: what it describes stays blocked for as long as the server serves it. */
  reject(
    id: string,
    decision: Approval,
  ): { ok: true; change: PinChange } | { ok: false; reason: 'not_found' | 'decided' } {
    const result = this.db
      .prepare(
        `UPDATE integrity_changes SET status = 'rejected', decided_by = ?, decided_at = ?, reason = ?
         WHERE id = ? AND status = 'pending'`,
      )
      .run(decision.by, decision.at, decision.reason, id);
    const current = this.change(id);
    if (!current) return { ok: false, reason: 'not_found' };
    if (Number(result.changes) === 0) return { ok: false, reason: 'decided' };
    this.bump();
    return { ok: true, change: current };
  }

  /**
   * Decisions not yet in the audit log (made by `rampart tools` in another process, or while no gateway ran). The
   * caller audits each, then claims it with `markAudited`; the conditional update lets one replica win.
   */
  unauditedDecisions(): PinChange[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM integrity_changes WHERE audited = 0 AND status IN ('approved', 'rejected')
         ORDER BY decided_at, id`,
      )
      .all() as unknown as ChangeRow[];
    return rows.map(toChange);
  }

  /** Claims a decision for auditing; false when another process already did. */
  markAudited(id: string): boolean {
    const result = this.db
      .prepare('UPDATE integrity_changes SET audited = 1 WHERE id = ? AND audited = 0')
      .run(id);
    return Number(result.changes) === 1;
  }

  close(): void {
    this.db.close();
  }

  private abort(reason: 'not_found' | 'decided' | 'duplicate_approver') {
    this.db.exec('ROLLBACK');
    return { ok: false as const, reason };
  }

  private writePin(pin: Omit<ApprovedPin, 'approvedAt'>, at: number): void {
    this.db
      .prepare(
        `INSERT INTO integrity_pins (server, kind, key, sha256, definition, approved_at, approved_by, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (server, kind, key) DO UPDATE SET sha256 = excluded.sha256, definition = excluded.definition,
           approved_at = excluded.approved_at, approved_by = excluded.approved_by, reason = excluded.reason`,
      )
      .run(
        pin.server,
        pin.kind,
        pin.key,
        pin.sha256,
        JSON.stringify(pin.definition),
        at,
        pin.approvedBy,
        pin.reason,
      );
  }

  private bump(): void {
    this.db.prepare('UPDATE integrity_revision SET revision = revision + 1 WHERE id = 1').run();
  }
}

function json(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parse(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

function toPin(row: PinRow): ApprovedPin {
  return {
    server: row.server,
    kind: row.kind as PinKind,
    key: row.key,
    sha256: row.sha256,
    definition: JSON.parse(row.definition),
    approvedAt: row.approved_at,
    approvedBy: row.approved_by,
    reason: row.reason,
  };
}

function toChange(row: ChangeRow): PinChange {
  return {
    id: row.id,
    server: row.server,
    kind: row.kind as PinKind,
    key: row.key,
    change: row.change as ChangeKind,
    oldSha256: row.old_sha256 ?? undefined,
    newSha256: row.new_sha256 ?? undefined,
    oldDefinition: parse(row.old_definition),
    newDefinition: parse(row.new_definition),
    renamedFrom: row.renamed_from ?? undefined,
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    status: row.status as ChangeStatus,
    approvals: JSON.parse(row.approvals) as Approval[],
    decidedBy: row.decided_by ?? undefined,
    decidedAt: row.decided_at ?? undefined,
    reason: row.reason ?? undefined,
  };
}
