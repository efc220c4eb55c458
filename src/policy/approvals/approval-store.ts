// Calls held for human approval, persisted in the state directory's rampart.db so that `rampart approvals` in
// another process sees and decides them. Every transition out of `pending` is one conditional UPDATE, so when
// an approver, the user, the timeout and a cancellation race (in any number of processes) exactly one wins.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { canonicalJsonLenient, sha256Hex } from '../../audit/canonical.ts';

export const APPROVALS_DB_FILE = 'rampart.db';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled';
/** `any`: the user (when asked) or an approver may decide; `approver`: only an approver other than the requester. */
export type ApprovalMode = 'any' | 'approver';
/** Who closed the row: an approver (`cli`, `admin`), the user (`elicitation`), the clock or the caller. */
export type ApprovalChannel = 'cli' | 'admin' | 'elicitation' | 'timeout' | 'cancelled';

export interface ApprovalRequester {
  readonly issuer: string;
  readonly subject: string;
  readonly clientId?: string | undefined;
  readonly agent?: string | undefined;
}

export interface NewApproval {
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly mode: ApprovalMode;
  readonly requester: ApprovalRequester | undefined;
  readonly session: string | undefined;
  readonly server: string;
  readonly method: string;
  /** The exposed tool (or prompt) name. */
  readonly name: string;
  /** Already redacted by the caller: it is shown to approvers and kept in the database. */
  readonly arguments: unknown;
  /** Digest to show; defaults to SHA-256 of the canonical JSON of `arguments`. */
  readonly argumentsSha256?: string | undefined;
  readonly policies: readonly string[];
  /** Why approval is needed, safe to show to the approver and the caller. */
  readonly reason: string;
}

export interface ApprovalRecord {
  readonly id: string;
  /** Epoch milliseconds, like every time here. */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly status: ApprovalStatus;
  readonly mode: ApprovalMode;
  readonly requester: ApprovalRequester | undefined;
  readonly session: string | undefined;
  readonly server: string;
  readonly method: string;
  readonly name: string;
  readonly arguments: unknown;
  readonly argumentsSha256: string;
  readonly policies: readonly string[];
  readonly reason: string;
  readonly decidedAt: number | undefined;
  readonly approver: string | undefined;
  readonly decisionReason: string | undefined;
  readonly channel: ApprovalChannel | undefined;
}

export interface ApprovalDecision {
  readonly approved: boolean;
  readonly approver: string;
  readonly reason?: string | undefined;
  readonly channel: 'cli' | 'admin' | 'elicitation';
}

export interface ApprovalListFilter {
  /** Every row (newest first) instead of the still-pending, unexpired ones (soonest to expire first). */
  readonly all?: boolean | undefined;
  readonly limit?: number | undefined;
}

interface Row {
  id: string;
  created_at: number;
  expires_at: number;
  status: string;
  mode: string;
  requester: string | null;
  session: string | null;
  server: string;
  method: string;
  name: string;
  arguments: string;
  arguments_sha256: string;
  policies: string;
  reason: string;
  decided_at: number | null;
  approver: string | null;
  decision_reason: string | null;
  channel: string | null;
}

const DEFAULT_LIMIT = 1000;
// Far below SQLite's bound on variables in one statement.
const IDS_PER_QUERY = 500;

/**
 * A random, URL-safe, unguessable approval id (128 bits), prefixed so that it never starts with `-` (a CLI would
 * read such an id as an option).
 */
export function newApprovalId(): string {
  return `apr_${randomBytes(16).toString('base64url')}`;
}

/** The status as of `now`: a pending row past its deadline is expired even before anyone marks it so. */
export function effectiveStatus(record: ApprovalRecord, now: number): ApprovalStatus {
  return record.status === 'pending' && record.expiresAt <= now ? 'expired' : record.status;
}

export class ApprovalStore {
  readonly file: string;
  private readonly db: DatabaseSync;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    this.file = path.join(stateDir, APPROVALS_DB_FILE);
    this.db = new DatabaseSync(this.file);
    // busy_timeout first: the gateway and the CLI write the same file, and schema creation takes the write lock.
    this.db.exec(`
      PRAGMA busy_timeout = 5000;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      CREATE TABLE IF NOT EXISTS approvals (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'expired', 'cancelled')),
        mode TEXT NOT NULL CHECK (mode IN ('any', 'approver')),
        requester TEXT,
        session TEXT,
        server TEXT NOT NULL,
        method TEXT NOT NULL,
        name TEXT NOT NULL,
        arguments TEXT NOT NULL,
        arguments_sha256 TEXT NOT NULL,
        policies TEXT NOT NULL,
        reason TEXT NOT NULL,
        decided_at INTEGER,
        approver TEXT,
        decision_reason TEXT,
        channel TEXT
      );
      CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, expires_at);`);
  }

  /** Stores a new pending request and returns it with its fresh id. */
  create(input: NewApproval): ApprovalRecord {
    const id = newApprovalId();
    const args = canonicalJsonLenient(input.arguments ?? null).text;
    const requester = input.requester
      ? JSON.stringify({
          issuer: input.requester.issuer,
          subject: input.requester.subject,
          clientId: input.requester.clientId,
          agent: input.requester.agent,
        })
      : null;
    this.db
      .prepare(
        `INSERT INTO approvals (id, created_at, expires_at, status, mode, requester, session, server, method, name,
           arguments, arguments_sha256, policies, reason)
         VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        input.createdAt,
        input.expiresAt,
        input.mode,
        requester,
        input.session ?? null,
        input.server,
        input.method,
        input.name,
        args,
        input.argumentsSha256 ?? sha256Hex(args),
        JSON.stringify([...input.policies]),
        input.reason,
      );
    return this.get(id)!;
  }

  get(id: string): ApprovalRecord | undefined {
    const row = this.db.prepare('SELECT * FROM approvals WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Requests still waiting for a decision at `now`, soonest to expire first. */
  listPending(now: number, limit = DEFAULT_LIMIT): ApprovalRecord[] {
    const rows = this.db
      .prepare(
        "SELECT * FROM approvals WHERE status = 'pending' AND expires_at > ? ORDER BY expires_at, id LIMIT ?",
      )
      .all(now, limit) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** Pending requests (see listPending), or with `all` every request, newest first. */
  list(filter: ApprovalListFilter, now: number): ApprovalRecord[] {
    const limit = filter.limit ?? DEFAULT_LIMIT;
    if (!filter.all) return this.listPending(now, limit);
    const rows = this.db
      .prepare('SELECT * FROM approvals ORDER BY created_at DESC, id LIMIT ?')
      .all(limit) as unknown as Row[];
    return rows.map(fromRow);
  }

  /** Records a decision if the request is still pending and unexpired at `now`; true when this call won. */
  decide(id: string, decision: ApprovalDecision, now: number): boolean {
    const result = this.db
      .prepare(
        `UPDATE approvals SET status = ?, decided_at = ?, approver = ?, decision_reason = ?, channel = ?
         WHERE id = ? AND status = 'pending' AND expires_at > ?`,
      )
      .run(
        decision.approved ? 'approved' : 'denied',
        now,
        decision.approver,
        decision.reason ?? null,
        decision.channel,
        id,
        now,
      );
    return result.changes === 1;
  }

  /** Marks a still-pending request expired (its timeout fired); true when this call won. */
  expire(id: string, now: number): boolean {
    return this.finish(id, 'expired', 'timeout', now);
  }

  /** Marks a still-pending request cancelled (the caller went away, or Rampart stops); true when this call won. */
  cancel(id: string, now: number): boolean {
    return this.finish(id, 'cancelled', 'cancelled', now);
  }

  /** Marks every pending request past its deadline expired (left over by a process that stopped); the count. */
  expireOverdue(now: number): number {
    const result = this.db
      .prepare(
        `UPDATE approvals SET status = 'expired', decided_at = ?, channel = 'timeout'
         WHERE status = 'pending' AND expires_at <= ?`,
      )
      .run(now, now);
    return Number(result.changes);
  }

  /** Those of `ids` that are no longer pending: what a held call polls for decisions made by other processes. */
  pendingDecisions(ids: readonly string[]): ApprovalRecord[] {
    const out: ApprovalRecord[] = [];
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + IDS_PER_QUERY) as SQLInputValue[];
      const rows = this.db
        .prepare(
          `SELECT * FROM approvals WHERE status != 'pending' AND id IN (${chunk.map(() => '?').join(', ')})`,
        )
        .all(...chunk) as unknown as Row[];
      for (const row of rows) out.push(fromRow(row));
    }
    return out;
  }

  close(): void {
    this.db.close();
  }

  private finish(
    id: string,
    status: 'expired' | 'cancelled',
    channel: ApprovalChannel,
    now: number,
  ): boolean {
    const result = this.db
      .prepare(
        "UPDATE approvals SET status = ?, decided_at = ?, channel = ? WHERE id = ? AND status = 'pending'",
      )
      .run(status, now, channel, id);
    return result.changes === 1;
  }
}

function fromRow(row: Row): ApprovalRecord {
  return {
    id: row.id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    status: row.status as ApprovalStatus,
    mode: row.mode as ApprovalMode,
    requester: row.requester === null ? undefined : (JSON.parse(row.requester) as ApprovalRequester),
    session: row.session ?? undefined,
    server: row.server,
    method: row.method,
    name: row.name,
    arguments: JSON.parse(row.arguments) as unknown,
    argumentsSha256: row.arguments_sha256,
    policies: JSON.parse(row.policies) as string[],
    reason: row.reason,
    decidedAt: row.decided_at ?? undefined,
    approver: row.approver ?? undefined,
    decisionReason: row.decision_reason ?? undefined,
    channel: (row.channel ?? undefined) as ApprovalChannel | undefined,
  };
}
