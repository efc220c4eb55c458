// Walks a log's records in storage order and finds the first position that cannot be trusted. The same walk
// serves the SQLite store and a JSONL export; each record arrives with the hash recomputed from its content.
//
// A record is judged with one record of lookahead, which is what tells an inserted record from a modified one
// (the entry after a forgery still links to the genuine predecessor) and a move from a deletion. A checkpoint is
// compared with the recomputed root only after the record following it has been judged, for the same reason: a
// precise cause found by the lookahead beats "something before this checkpoint changed".
import type { KeyObject } from 'node:crypto';
import type { VerifyCode } from './audit-error.ts';
import { GENESIS } from './chain.ts';
import { type SignedCheckpoint, verifyCheckpoint } from './checkpoint.ts';
import { EMPTY_ROOT, MerkleFrontier } from './merkle.ts';

export type VerifyRecord =
  | {
      readonly malformed?: false;
      /** The sequence number inside the hashed leaf (not a storage column, which is not hashed). */
      readonly seq: number;
      readonly prev: string;
      readonly storedHash: string;
      readonly computedHash: string;
      /** False when an unhashed copy of a leaf field (the SQLite id column) disagrees with the leaf. */
      readonly consistent: boolean;
      readonly line?: number | undefined;
    }
  | { readonly malformed: true; readonly reason: string; readonly line?: number | undefined };

type GoodRecord = Extract<VerifyRecord, { seq: number }>;

export interface VerifyProblem {
  readonly code: VerifyCode;
  /** First entry (1-based sequence number) that cannot be trusted. */
  readonly seq: number;
  /** Line of the JSONL file, when verifying one. */
  readonly line?: number | undefined;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly keyId: string;
  /** Records read. */
  readonly entries: number;
  /** Length of the trusted prefix. */
  readonly verified: number;
  /** Checkpoints whose signature and root were checked. */
  readonly checkpointsVerified: number;
  readonly latestCheckpoint: SignedCheckpoint | undefined;
  /** Entries after the latest checkpoint: chained, but not yet protected against truncation. */
  readonly unsealed: number;
  readonly problem: VerifyProblem | undefined;
}

export class ChainVerifier {
  private readonly keyId: string;
  private readonly checkpoints: SignedCheckpoint[];
  private readonly badSignature: SignedCheckpoint | undefined;
  private readonly checkpointSizes: Set<number>;
  private readonly rootAt = new Map<number, string>();
  private readonly frontier = new MerkleFrontier();
  private nextCheckpoint = 0;
  private lastGood = 0;
  private checked = 0;
  private seen = 0;
  private prev: GoodRecord | undefined;
  private pending: VerifyRecord | undefined;
  private problem: VerifyProblem | undefined;
  /** After a gap at this position: whether it turns up later decides "moved" or "deleted". */
  private searching: number | undefined;

  constructor(checkpoints: readonly SignedCheckpoint[], publicKey: KeyObject, keyId: string) {
    this.keyId = keyId;
    const valid: SignedCheckpoint[] = [];
    let bad: SignedCheckpoint | undefined;
    for (const cp of checkpoints) {
      if (verifyCheckpoint(cp, publicKey, keyId)) valid.push(cp);
      else if (!bad || cp.size < bad.size) bad = cp;
    }
    this.checkpoints = valid.sort((a, b) => a.size - b.size);
    this.badSignature = bad;
    this.checkpointSizes = new Set(valid.map((cp) => cp.size));
    for (const cp of this.checkpoints) if (cp.size === 0) this.rootAt.set(0, EMPTY_ROOT.toString('hex'));
  }

  /** True once more records cannot change the report. */
  get done(): boolean {
    return this.problem !== undefined && this.searching === undefined;
  }

  add(record: VerifyRecord): void {
    this.seen += 1;
    if (this.problem) {
      if (this.searching !== undefined && !record.malformed && record.seq === this.searching) {
        this.problem = {
          ...this.problem,
          code: 'RAMPART_AUDIT_ENTRY_REORDERED',
          message: moved(this.searching),
        };
        this.searching = undefined;
      }
      return;
    }
    if (this.pending) this.judge(this.pending, record);
    this.pending = record;
  }

  finish(): VerifyReport {
    if (!this.problem && this.pending) this.judge(this.pending, undefined);
    this.pending = undefined;
    this.searching = undefined;
    if (!this.problem) this.problem = this.checkUpTo(this.frontier.size);
    const latest = this.checkpoints.at(-1);
    if (!this.problem && latest && latest.size > this.frontier.size) {
      this.problem = {
        code: 'RAMPART_AUDIT_TRUNCATED',
        seq: this.frontier.size + 1,
        message: `a checkpoint signed ${latest.time} covers ${latest.size} entries; only ${this.frontier.size} are left`,
      };
    }
    if (this.badSignature && (!this.problem || this.badSignature.size < this.problem.seq)) {
      this.problem = {
        code: 'RAMPART_AUDIT_CHECKPOINT_INVALID',
        seq: this.badSignature.size,
        message: `the checkpoint of size ${this.badSignature.size} is not signed by key ${this.keyId}`,
      };
    }
    const verified = this.problem ? Math.min(this.frontier.size, this.problem.seq - 1) : this.frontier.size;
    const sealed = this.checkpoints.filter((cp) => cp.size <= verified).at(-1);
    return {
      ok: this.problem === undefined,
      keyId: this.keyId,
      entries: this.seen,
      verified,
      checkpointsVerified: this.checked,
      latestCheckpoint: sealed,
      unsealed: verified - (sealed?.size ?? 0),
      problem: this.problem,
    };
  }

  /** MTH of the trusted prefix (meaningful when the report is ok). */
  rootHex(): string {
    return this.frontier.root().toString('hex');
  }

  private judge(r: VerifyRecord, next: VerifyRecord | undefined): void {
    const problem = this.checkUpTo(this.frontier.size - 1) ?? this.problemOf(r, next);
    if (problem) {
      this.stop(problem);
      return;
    }
    const good = r as GoodRecord;
    this.frontier.push(Buffer.from(good.computedHash, 'hex'));
    this.prev = good;
    if (this.checkpointSizes.has(this.frontier.size)) this.rootAt.set(this.frontier.size, this.rootHex());
  }

  /** Why record r cannot be the next entry, if it cannot. */
  private problemOf(r: VerifyRecord, next: VerifyRecord | undefined): VerifyProblem | undefined {
    const p = this.frontier.size + 1;
    if (r.malformed) return { code: 'RAMPART_AUDIT_MALFORMED', seq: p, line: r.line, message: r.reason };
    if (r.computedHash !== r.storedHash || !r.consistent) {
      return {
        code: 'RAMPART_AUDIT_ENTRY_MODIFIED',
        seq: p,
        line: r.line,
        message: `entry ${p} does not match its hash`,
      };
    }
    const following = next && !next.malformed ? next : undefined;
    if (r.seq > p) {
      if (following?.seq === p) {
        return { code: 'RAMPART_AUDIT_ENTRY_REORDERED', seq: p, line: r.line, message: moved(p) };
      }
      this.searching = p;
      return {
        code: 'RAMPART_AUDIT_ENTRY_MISSING',
        seq: p,
        line: r.line,
        message: `entries ${p}..${r.seq - 1} are missing`,
      };
    }
    if (r.seq < p) {
      // Two entries claim the same predecessor. The one the rest of the chain builds on is genuine.
      const fork = this.prev !== undefined && r.seq === p - 1 && r.prev === this.prev.prev;
      // Only a successor that links to the earlier entry shows this one to be the extra; without a successor
      // either may be, and the earlier position is the first that cannot be trusted.
      if (fork && following?.prev !== this.prev?.computedHash) {
        return this.blamePrevious(p, 'RAMPART_AUDIT_ENTRY_INSERTED', r);
      }
      return {
        code: 'RAMPART_AUDIT_ENTRY_INSERTED',
        seq: p,
        line: r.line,
        message: `entry at position ${p} claims position ${r.seq}: it is not part of the original chain`,
      };
    }
    if (r.prev !== (this.prev?.computedHash ?? GENESIS)) {
      // If the entry after this one still links to it, this one is intact and its predecessor was rewritten
      // (content changed and hash recomputed): that breaks exactly the link into this entry.
      if (p > 1 && following?.seq === p + 1 && following.prev === r.computedHash) {
        return this.blamePrevious(p, 'RAMPART_AUDIT_ENTRY_MODIFIED', r);
      }
      // The last entry: nothing tells which side of the broken link changed, so the earlier one is suspect.
      if (p > 1 && !next) return this.blamePrevious(p, 'RAMPART_AUDIT_CHAIN_BROKEN', r);
      return {
        code: 'RAMPART_AUDIT_CHAIN_BROKEN',
        seq: p,
        line: r.line,
        message: `entry ${p} does not link to entry ${p - 1}`,
      };
    }
    return undefined;
  }

  /** Blames entry p-1, unless a signed checkpoint of exactly that size proves it genuine. */
  private blamePrevious(p: number, code: VerifyCode, r: GoodRecord): VerifyProblem {
    const mismatch = this.checkUpTo(p - 1);
    if (!mismatch && this.lastGood >= p - 1) {
      return {
        code: code === 'RAMPART_AUDIT_ENTRY_INSERTED' ? code : 'RAMPART_AUDIT_CHAIN_BROKEN',
        seq: p,
        line: r.line,
        message: `entry ${p} does not belong after the checkpointed entry ${p - 1}`,
      };
    }
    const what =
      code === 'RAMPART_AUDIT_ENTRY_INSERTED'
        ? 'was inserted'
        : code === 'RAMPART_AUDIT_ENTRY_MODIFIED'
          ? 'was rewritten and re-hashed'
          : `or ${p} was rewritten: ${p} does not link to ${p - 1}`;
    return { code, seq: p - 1, line: this.prev?.line, message: `entry ${p - 1} ${what}` };
  }

  /** Compares every not yet checked checkpoint of size <= n with the recomputed root. */
  private checkUpTo(n: number): VerifyProblem | undefined {
    while (this.nextCheckpoint < this.checkpoints.length) {
      const cp = this.checkpoints[this.nextCheckpoint]!;
      if (cp.size > n) return undefined;
      if (this.rootAt.get(cp.size) !== cp.root) {
        return {
          code: 'RAMPART_AUDIT_CHECKPOINT_MISMATCH',
          seq: this.lastGood + 1,
          message: `entries ${this.lastGood + 1}..${cp.size} do not hash to the root signed at ${cp.time}`,
        };
      }
      this.lastGood = cp.size;
      this.checked += 1;
      this.nextCheckpoint += 1;
    }
    return undefined;
  }

  /** Records the problem, preferring an earlier checkpoint mismatch (it proves an earlier change). */
  private stop(problem: VerifyProblem): void {
    const earlier =
      problem.code === 'RAMPART_AUDIT_CHECKPOINT_MISMATCH' ? undefined : this.checkUpTo(problem.seq - 1);
    this.problem = earlier ?? problem;
    if (earlier) this.searching = undefined;
  }
}

function moved(p: number): string {
  return `entry ${p} is not where it belongs: entries were reordered`;
}
