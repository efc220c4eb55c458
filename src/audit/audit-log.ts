// The audit log: `append` resolves only once the event is durable in the store. Appends that arrive while a
// batch is being committed wait and go together in the next one (group commit: one transaction and one fsync
// for all of them), so the cost per event stays low under concurrency and nothing is acknowledged early.
//
// Chain positions are assigned when a batch is formed, not when an event is appended: a failed batch then leaves
// no hole, and the next batch simply continues from the last committed head (also when another process, such as
// `rampart audit erase`, appended meanwhile: the store reports the conflict and the batch is re-chained).
//
// Kept payloads are sealed in `append` under the subject's key from an in-memory keyring (no database round trip)
// and written beside their entries in the same transaction; erasure and retention are in privacy/.
import { AuditError } from './audit-error.ts';
import { ChainHead, type StoredEntry } from './chain.ts';
import {
  type CheckpointPolicy,
  type CheckpointSigner,
  checkpointDue,
  DEFAULT_CHECKPOINT_POLICY,
  type SignedCheckpoint,
} from './checkpoint.ts';
import {
  type AuditEvent,
  type AuditEventInput,
  type BuiltEvent,
  buildAuditEvent,
  type PayloadMode,
  type Redactor,
  type SealedPayload,
} from './event.ts';
import { MerkleFrontier } from './merkle.ts';
import {
  type AuditPrivacyOptions,
  type LegalHolds,
  type ResolvedHolds,
  resolveHolds,
} from './privacy/holds.ts';
import { PayloadKeyring } from './privacy/keyring.ts';
import type { PayloadMasterKey } from './privacy/master-key.ts';
import type { SubjectId } from './privacy/payload-crypto.ts';
import { type PurgeReport, purgeResolved } from './privacy/retention.ts';
import { Spool } from './spool.ts';
import {
  type AuditStore,
  ChainConflictError,
  type StoredHead,
  type StoredPayload,
  type StoredSubjectKey,
  type WriteResult,
} from './store.ts';

/** `closed`: a failed write fails the requests. `degraded`: events go to a local spool and a critical alert is raised. */
export type FailureMode = 'closed' | 'degraded';

export interface AuditAlert {
  readonly severity: 'critical' | 'info';
  readonly code: 'RAMPART_AUDIT_UNAVAILABLE' | 'RAMPART_AUDIT_DEGRADED' | 'RAMPART_AUDIT_RECOVERED';
  readonly message: string;
  readonly error?: string;
  readonly spoolFile?: string;
}

export interface AuditLogOptions {
  readonly store: AuditStore;
  readonly signer: CheckpointSigner;
  /** Data minimisation for arguments and results; `digest` unless told otherwise. */
  readonly payloadMode?: PayloadMode;
  readonly redact?: Redactor;
  readonly checkpoints?: Partial<CheckpointPolicy>;
  readonly failureMode?: FailureMode;
  /** Where degraded mode spools; a spool left from an earlier run is moved into the log at open. */
  readonly spoolFile?: string;
  /** Degraded mode: how often to try moving the spool into the store. */
  readonly retryMs?: number;
  /** Most events in one transaction. */
  readonly maxBatch?: number;
  readonly onAlert?: (alert: AuditAlert) => void;
  /** Told about each new signed checkpoint (to publish it outside the state directory). */
  readonly onCheckpoint?: (cp: SignedCheckpoint) => void;
  /**
   * Told about each committed batch (spool drains included), in chain order, after the appends' promises are
   * resolved and before the checkpoint that covers them is announced. For forwarders; an exception is ignored.
   */
  readonly onCommitted?: (records: readonly CommittedRecord[]) => void;
  /**
   * Key material for kept payloads; required in `full` and `redacted` modes (openAuditLog loads it from the
   * state directory). With it the log also erases subjects and runs retention.
   */
  readonly masterKey?: PayloadMasterKey;
  /** Retention and legal holds of kept payloads. */
  readonly privacy?: AuditPrivacyOptions;
  /** Wall clock, ms since the epoch. */
  readonly now?: () => number;
}

/** One committed entry, as `onCommitted` gets it. */
export interface CommittedRecord {
  readonly seq: number;
  readonly id: string;
  /** Leaf hash, hex (the chain link and Merkle leaf). */
  readonly hash: string;
  /** The exact hashed bytes: canonical JSON {"event":…,"prev":…,"seq":…}. */
  readonly leaf: string;
  readonly event: AuditEvent;
}

/** Whose payloads an erasure destroys: a principal's issuer and subject, or the shared anonymous subject. */
export type ErasureTarget =
  | { readonly issuer: string; readonly subject: string }
  | { readonly anonymous: true };

export interface ErasureReport {
  /** The pseudonymous subject reference recorded in the event (never the subject id itself). */
  readonly subjectRef: string;
  /** Keys destroyed (with those of earlier erasures of this subject whose event had not been recorded). */
  readonly keys: readonly string[];
  /** Ciphertext rows deleted. */
  readonly payloads: number;
  /** The `subject_erased` event. */
  readonly receipt: AppendReceipt;
  /** False if a reader kept the WAL from being truncated: old page images may linger until the next checkpoint. */
  readonly walTruncated: boolean;
  readonly overrideHold: boolean;
}

export type AppendReceipt =
  | { readonly status: 'committed'; readonly id: string; readonly seq: number; readonly hash: string }
  | { readonly status: 'spooled'; readonly id: string };

export interface AuditStats {
  appended: number;
  committed: number;
  spooled: number;
  rejected: number;
  batches: number;
  checkpoints: number;
  /** Transactions the store reports having committed (its own counter). */
  transactions: number;
  /** Payloads not stored because their subject was erased while they were on their way. */
  payloadsDropped: number;
  /** Payloads deleted by retention. */
  payloadsPurged: number;
}

interface Pending {
  readonly id: string;
  readonly json: string;
  readonly event: AuditEvent;
  readonly sealed: readonly SealedPayload[];
  resolve(receipt: AppendReceipt): void;
  reject(err: Error): void;
}

const DEFAULT_PURGE_INTERVAL_MS = 600_000;
/** Retention deletes at most this many rows per timer run, in transactions of PURGE_STEP_ROWS. */
const PURGE_MAX_ROWS_PER_RUN = 10_000;
const PURGE_STEP_ROWS = 1000;
/** Rounds of re-chaining a batch when another writer extended the chain. */
const CONFLICT_RETRIES = 3;

export class AuditLog {
  readonly stats: AuditStats = {
    appended: 0,
    committed: 0,
    spooled: 0,
    rejected: 0,
    batches: 0,
    checkpoints: 0,
    transactions: 0,
    payloadsDropped: 0,
    payloadsPurged: 0,
  };
  private readonly store: AuditStore;
  private readonly signer: CheckpointSigner;
  private readonly policy: CheckpointPolicy;
  private readonly eventOptions: {
    mode: PayloadMode;
    redact: Redactor | undefined;
    sealer: PayloadKeyring | undefined;
    now: () => number;
  };
  private readonly failureMode: FailureMode;
  private readonly spoolFile: string | undefined;
  private readonly retryMs: number;
  private readonly maxBatch: number;
  private readonly onAlert: (alert: AuditAlert) => void;
  private readonly onCheckpoint: (cp: SignedCheckpoint) => void;
  private readonly onCommitted: ((records: readonly CommittedRecord[]) => void) | undefined;
  private readonly now: () => number;
  private readonly keyring: PayloadKeyring | undefined;
  private readonly master: PayloadMasterKey | undefined;
  private readonly retentionDays: number | undefined;
  private readonly holds: ResolvedHolds;

  private head: ChainHead;
  private lastCheckpoint: { size: number; atMs: number };
  private drainedGeneration: string | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private headStale = false;
  private healthy = true;
  private spool: Spool | undefined;
  /** Degraded mode, and the spool refused a write too: nothing can be made durable until the store is back. */
  private spoolFailed = false;
  private lastRetryAt = 0;
  private retryDue = false;
  private probeDue = false;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  private maintaining: Promise<void> | undefined;
  private lastKeySync: number;
  private checkpointWanted = false;
  private checkpointWaiters: Array<{
    resolve(cp: SignedCheckpoint | undefined): void;
    reject(e: Error): void;
  }> = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(options: AuditLogOptions, stored: StoredHead, keyring: PayloadKeyring | undefined) {
    this.store = options.store;
    this.signer = options.signer;
    this.policy = { ...DEFAULT_CHECKPOINT_POLICY, ...options.checkpoints };
    this.now = options.now ?? Date.now;
    const mode = options.payloadMode ?? 'digest';
    if (mode !== 'digest' && !keyring) throw new TypeError(`payload mode ${mode} needs masterKey`);
    this.keyring = keyring;
    this.master = options.masterKey;
    this.eventOptions = {
      mode,
      redact: options.redact,
      sealer: mode === 'digest' ? undefined : keyring,
      now: this.now,
    };
    this.retentionDays = options.privacy?.retentionDays;
    this.holds = this.master
      ? resolveHolds(options.privacy?.holds, this.master)
      : { refs: new Set(), periods: [] };
    this.failureMode = options.failureMode ?? 'closed';
    this.spoolFile = options.spoolFile;
    if (this.failureMode === 'degraded' && !this.spoolFile)
      throw new TypeError('degraded mode needs spoolFile');
    this.retryMs = options.retryMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 4096;
    this.onAlert = options.onAlert ?? (() => undefined);
    this.onCheckpoint = options.onCheckpoint ?? (() => undefined);
    this.onCommitted = options.onCommitted;
    this.head = headOf(stored);
    this.drainedGeneration = stored.spoolGeneration;
    this.lastCheckpoint = stored.latestCheckpoint
      ? { size: stored.latestCheckpoint.size, atMs: Date.parse(stored.latestCheckpoint.time) }
      : { size: 0, atMs: this.now() };
    const tickMs = Math.max(10, Math.min(this.policy.intervalMs, this.retryMs, 1000));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
    this.lastKeySync = this.now();
    if (keyring) {
      this.maintenanceTimer = setInterval(
        () => this.maintain(),
        options.privacy?.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS,
      );
      this.maintenanceTimer.unref();
    }
  }

  /**
   * Opens the log on a store: reads the head (and, with a master key, every live subject key into memory) and
   * moves a spool left by an earlier run into the chain.
   */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    let stored: StoredHead;
    let keyring: PayloadKeyring | undefined;
    try {
      stored = await options.store.head();
      if (options.masterKey)
        keyring = new PayloadKeyring(options.masterKey, await options.store.subjectKeys());
    } catch (err) {
      await options.store.close().catch(() => undefined);
      throw unavailable(err);
    }
    let log: AuditLog;
    try {
      log = new AuditLog(options, stored, keyring);
    } catch (err) {
      await options.store.close().catch(() => undefined);
      throw err;
    }
    try {
      await log.recoverSpool();
    } catch (err) {
      await log.close().catch(() => undefined);
      throw err;
    }
    return log;
  }

  /** Number of committed entries. */
  get size(): number {
    return this.head.size;
  }

  /** True while events go to the spool instead of the store. */
  get degraded(): boolean {
    return this.spool !== undefined;
  }

  /**
   * Whether an append can be made durable now. False after the store failed in `closed` mode (or the spool
   * failed too in `degraded` mode), until a probe on the retry timer shows that writes work again: the gateway
   * checks it to refuse a call before forwarding it, rather than run a side effect it cannot record.
   */
  get writable(): boolean {
    return !this.closed && (this.healthy || (this.spool !== undefined && !this.spoolFailed));
  }

  /**
   * Records one event. Resolves once it is durable (committed to the store, or fsynced to the spool in degraded
   * mode); rejects with RAMPART_AUDIT_UNAVAILABLE when it cannot be, and then the request must fail.
   */
  append(input: AuditEventInput): Promise<AppendReceipt> {
    if (this.closed) return Promise.reject(new AuditError('RAMPART_AUDIT_CLOSED'));
    let built: BuiltEvent;
    try {
      built = buildAuditEvent(input, this.eventOptions);
    } catch (err) {
      this.stats.rejected += 1;
      return Promise.reject(
        new AuditError('RAMPART_AUDIT_UNAVAILABLE', `unserialisable event: ${String(err)}`),
      );
    }
    this.stats.appended += 1;
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: built.event.id,
        json: built.json,
        event: built.event,
        sealed: built.sealed,
        resolve,
        reject,
      });
      this.kick();
    });
  }

  /**
   * Erases a subject (GDPR art. 17): destroys their payload keys, deletes their ciphertexts, and records a
   * `subject_erased` event naming only the pseudonymous subject ref. Their events, commitments and hashes stay,
   * so the log still verifies. Refuses (RAMPART_AUDIT_LEGAL_HOLD) a held subject, or one with payloads in a held
   * period, unless `overrideHold` (art. 17(3)(e)), which the event records.
   */
  async eraseSubject(
    target: ErasureTarget,
    options: { readonly reason?: string | undefined; readonly overrideHold?: boolean | undefined } = {},
  ): Promise<ErasureReport> {
    if (this.closed) throw new AuditError('RAMPART_AUDIT_CLOSED');
    const keyring = this.requireKeyring();
    const who: SubjectId = 'anonymous' in target ? null : { issuer: target.issuer, subject: target.subject };
    const subjectRef = keyring.refOf(who);
    const overrideHold = options.overrideHold === true;
    if (this.holds.refs.has(subjectRef) && !overrideHold) {
      throw new AuditError('RAMPART_AUDIT_LEGAL_HOLD', `subject ${subjectRef} is under legal hold`);
    }
    const nowMs = this.now();
    let outcome: Awaited<ReturnType<AuditStore['eraseSubject']>>;
    try {
      outcome = await this.store.eraseSubject({
        subjectRef,
        nowMs,
        heldPeriods: overrideHold ? undefined : this.holds.periods,
      });
    } catch (err) {
      throw unavailable(err);
    }
    if (outcome.status === 'held') {
      throw new AuditError(
        'RAMPART_AUDIT_LEGAL_HOLD',
        `${outcome.heldPayloads} payloads of subject ${subjectRef} fall in a period under legal hold`,
      );
    }
    // Events already sealed with these keys but not yet written are dropped by the store (tombstone).
    keyring.forgetSubject(subjectRef);
    const keys = [...new Set(outcome.unrecorded.flatMap((u) => u.keys))];
    // The last is this erasure; any before it were done but their event was never written (the process died).
    const earlier = outcome.unrecorded.slice(0, -1);
    let receipt: AppendReceipt;
    try {
      receipt = await this.append({
        decision: 'subject_erased',
        detail: {
          subjectRef,
          keys,
          payloads: outcome.payloads,
          reason: options.reason ?? null,
          overrideHold,
          ...(earlier.length > 0 ? { unrecordedEarlier: earlier.map((u) => iso(u.erasedMs)) } : {}),
        },
      });
    } catch (err) {
      throw new AuditError(
        'RAMPART_AUDIT_UNAVAILABLE',
        `subject ${subjectRef} is erased, but the event recording it could not be written (${String(err)}); ` +
          'erase again to record it',
        { cause: err },
      );
    }
    try {
      await this.store.recordErasures(
        outcome.unrecorded.map((u) => u.id),
        receipt.id,
      );
    } catch {
      // The event is in the log; a later erasure of this subject would only mention these keys again.
    }
    return {
      subjectRef,
      keys,
      payloads: outcome.payloads,
      receipt,
      walTruncated: outcome.walTruncated,
      overrideHold,
    };
  }

  /**
   * Retention: deletes payload ciphertexts of events older than `olderThanDays` (default: privacy.retentionDays)
   * except those under legal hold (default: privacy.holds). Hashes and commitments stay.
   */
  async purgePayloads(
    options: {
      readonly olderThanDays?: number | undefined;
      readonly holds?: LegalHolds | undefined;
      readonly dryRun?: boolean | undefined;
      readonly maxRows?: number | undefined;
    } = {},
  ): Promise<PurgeReport> {
    if (this.closed) throw new AuditError('RAMPART_AUDIT_CLOSED');
    this.requireKeyring();
    const olderThanDays = options.olderThanDays ?? this.retentionDays;
    if (olderThanDays === undefined) throw new TypeError('no retention period: set privacy.retentionDays');
    const report = await purgeResolved(
      this.store,
      options.holds ? resolveHolds(options.holds, this.master!) : this.holds,
      {
        olderThanDays,
        dryRun: options.dryRun,
        maxRows: options.maxRows,
        stepRows: PURGE_STEP_ROWS,
        now: this.now,
      },
    );
    if (!report.dryRun) this.stats.payloadsPurged += report.purged;
    return report;
  }

  private requireKeyring(): PayloadKeyring {
    if (!this.keyring) throw new TypeError('this audit log was opened without masterKey');
    return this.keyring;
  }

  /** Timer: forget keys erased by another process, and run retention (bounded). Failures wait for the next run. */
  private maintain(): void {
    if (this.maintaining || this.closed || !this.keyring) return;
    const keyring = this.keyring;
    this.maintaining = (async () => {
      const startedAt = this.now();
      try {
        // Overlap by ten minutes: the erasing process's clock is not ours.
        keyring.forget(await this.store.erasedKeys(this.lastKeySync - 600_000));
        this.lastKeySync = startedAt;
      } catch {
        // the store is failing; appends report that
      }
      if (this.retentionDays !== undefined) {
        await this.purgePayloads({ maxRows: PURGE_MAX_ROWS_PER_RUN }).catch(() => undefined);
      }
    })().finally(() => {
      this.maintaining = undefined;
    });
  }

  /** Signs a checkpoint over everything committed so far (after the appends already queued); undefined if none was due. */
  checkpoint(): Promise<SignedCheckpoint | undefined> {
    if (this.closed) return Promise.reject(new AuditError('RAMPART_AUDIT_CLOSED'));
    return new Promise((resolve, reject) => {
      this.checkpointWaiters.push({ resolve, reject });
      this.checkpointWanted = true;
      this.kick();
    });
  }

  /** Waits for queued appends, seals the log with a final checkpoint and closes the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      clearInterval(this.timer);
      clearInterval(this.maintenanceTimer);
      await this.maintaining;
      await this.drained();
      if (!this.spool && this.head.size > this.lastCheckpoint.size) {
        this.checkpointWanted = true;
        await this.drained();
      }
      await this.spool?.close();
      await this.store.close();
    })();
    return this.closing;
  }

  private async drained(): Promise<void> {
    this.kick();
    while (this.flushing) await this.flushing;
  }

  private tick(): void {
    const now = this.now();
    if (this.spool && now - this.lastRetryAt >= this.retryMs) {
      this.lastRetryAt = now;
      this.retryDue = true;
      this.kick();
    }
    // Unhealthy without a spool, the gateway refuses calls (writable is false) and so appends nothing: only a
    // probe can find out that the store is back.
    if (!this.healthy && !this.spool && now - this.lastRetryAt >= this.retryMs) {
      this.lastRetryAt = now;
      this.probeDue = true;
      this.kick();
    }
    if (!this.spool && checkpointDue(this.policy, this.head.size, this.lastCheckpoint, now)) {
      this.checkpointWanted = true;
      this.kick();
    }
  }

  /** Starts the flush loop unless it runs; setImmediate lets every append of the current I/O round join the batch. */
  private kick(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.loop())
      .finally(() => {
        this.flushing = undefined;
        // An append whose kick() came after the loop's last look at the queue (but before this) is still waiting.
        if (this.queue.length > 0 || this.checkpointWanted || this.probeDue || (this.spool && this.retryDue))
          this.kick();
      });
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.spool && this.retryDue) {
        this.retryDue = false;
        await this.drainSpool();
      }
      if (this.probeDue) {
        this.probeDue = false;
        if (!this.healthy && !this.spool) await this.probe();
      }
      if (this.queue.length === 0 && !this.checkpointWanted) return;
      const batch = this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch);
      this.queue = this.queue.length <= this.maxBatch ? [] : this.queue.slice(this.maxBatch);
      try {
        await this.writeBatch(batch);
      } catch (err) {
        // Unexpected (a bug, not a store failure): still never leave an append hanging.
        this.reject(batch, unavailable(err));
      }
    }
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const wanted = this.checkpointWanted;
    this.checkpointWanted = false;
    if (this.spool) {
      this.settleCheckpointWaiters(undefined);
      await this.toSpool(batch);
      return;
    }
    const sealed = sealedOf(batch);
    for (let attempt = 0; ; attempt++) {
      if (this.headStale) {
        try {
          this.reloadHead(await this.store.head());
        } catch (err) {
          await this.failed(batch, err, wanted);
          return;
        }
      }
      const head = this.head.clone();
      const entries = new Array<StoredEntry>(batch.length);
      for (let i = 0; i < batch.length; i++) entries[i] = head.append(batch[i]!.id, batch[i]!.json);
      const nowMs = this.now();
      const due = wanted || checkpointDue(this.policy, head.size, this.lastCheckpoint, nowMs);
      const checkpoint = due && head.size > this.lastCheckpoint.size ? this.sign(head, nowMs) : undefined;
      if (entries.length === 0 && !checkpoint) {
        this.settleCheckpointWaiters(undefined);
        return;
      }
      let result: WriteResult;
      try {
        result = await this.store.write({
          entries,
          checkpoint: checkpoint && { signed: checkpoint, frontier: head.frontier.serialize() },
          payloads: sealed?.payloads,
          keys: sealed?.keys,
        });
      } catch (err) {
        if (err instanceof ChainConflictError && attempt < CONFLICT_RETRIES) {
          this.headStale = true;
          continue;
        }
        await this.failed(batch, err, wanted);
        return;
      }
      this.head = head;
      this.written(result, entries.length);
      this.recovered('audit store writes again');
      for (let i = 0; i < batch.length; i++) {
        const entry = entries[i]!;
        batch[i]!.resolve({
          status: 'committed',
          id: entry.id,
          seq: entry.seq,
          hash: entry.hash.toString('hex'),
        });
      }
      this.announce(entries, batch);
      if (checkpoint) this.checkpointed(checkpoint, nowMs);
      this.settleCheckpointWaiters(checkpoint);
      return;
    }
  }

  /** Bookkeeping after a committed write. */
  private written(result: WriteResult, entries: number): void {
    this.stats.batches += 1;
    this.stats.committed += entries;
    this.stats.transactions = result.transactions;
    if (result.erasedKeys?.length) this.keyring?.forget(result.erasedKeys);
    this.stats.payloadsDropped += result.droppedPayloads ?? 0;
  }

  private recovered(message: string, spoolFile?: string): void {
    if (this.healthy) return;
    this.healthy = true;
    this.onAlert({
      severity: 'info',
      code: 'RAMPART_AUDIT_RECOVERED',
      message,
      ...(spoolFile === undefined ? {} : { spoolFile }),
    });
  }

  private announce(entries: readonly StoredEntry[], events: readonly { readonly event: AuditEvent }[]): void {
    if (!this.onCommitted || entries.length === 0) return;
    const records = new Array<CommittedRecord>(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      records[i] = {
        seq: e.seq,
        id: e.id,
        hash: e.hash.toString('hex'),
        leaf: e.leaf,
        event: events[i]!.event,
      };
    }
    try {
      this.onCommitted(records);
    } catch {
      // A forwarder's failure is its own; the entries are committed.
    }
  }

  /** While unhealthy: reads the head and makes a real (tiny) write; success means appends will work again. */
  private async probe(): Promise<void> {
    try {
      if (this.headStale) this.reloadHead(await this.store.head());
      const { transactions } = await this.store.write({ entries: [], probe: true });
      this.stats.transactions = transactions;
    } catch {
      this.headStale = true;
      return;
    }
    this.recovered('audit store writes again');
  }

  private sign(head: ChainHead, nowMs: number): SignedCheckpoint {
    return this.signer.sign({
      size: head.size,
      root: head.frontier.root().toString('hex'),
      time: new Date(nowMs).toISOString(),
    });
  }

  private checkpointed(cp: SignedCheckpoint, nowMs: number): void {
    this.lastCheckpoint = { size: cp.size, atMs: nowMs };
    this.stats.checkpoints += 1;
    this.onCheckpoint(cp);
  }

  private settleCheckpointWaiters(cp: SignedCheckpoint | undefined, err?: Error): void {
    const waiters = this.checkpointWaiters;
    if (waiters.length === 0) return;
    this.checkpointWaiters = [];
    for (const w of waiters) {
      if (err) w.reject(err);
      else w.resolve(cp);
    }
  }

  /** A store failure: the head may no longer be what we think; fail closed, or switch to the spool. */
  private async failed(batch: Pending[], err: unknown, checkpointWanted: boolean): Promise<void> {
    this.headStale = true;
    const error = unavailable(err);
    this.settleCheckpointWaiters(undefined, checkpointWanted ? error : undefined);
    if (this.failureMode === 'degraded' && !this.spool) {
      try {
        this.spool = await Spool.open(this.spoolFile!);
      } catch (spoolErr) {
        this.unhealthy(unavailable(spoolErr));
        this.reject(batch, error);
        return;
      }
      this.lastRetryAt = this.now();
      this.healthy = false;
      this.onAlert({
        severity: 'critical',
        code: 'RAMPART_AUDIT_DEGRADED',
        message: 'the audit store refuses writes; events are spooled locally, not yet hash-chained',
        error: error.message,
        spoolFile: this.spoolFile,
      });
    }
    if (this.spool) {
      await this.toSpool(batch);
      return;
    }
    this.unhealthy(error);
    this.reject(batch, error);
  }

  private unhealthy(error: AuditError): void {
    if (!this.healthy) return;
    this.healthy = false;
    this.lastRetryAt = this.now();
    this.onAlert({
      severity: 'critical',
      code: 'RAMPART_AUDIT_UNAVAILABLE',
      message: 'the audit store refuses writes; requests fail until it is back',
      error: error.message,
    });
  }

  private async toSpool(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    try {
      await this.spool!.append(batch.map(spoolLine));
    } catch (err) {
      // Nowhere left to make the events durable: fail closed after all (and `writable` turns false).
      const error = unavailable(err);
      if (!this.spoolFailed) {
        this.spoolFailed = true;
        this.onAlert({
          severity: 'critical',
          code: 'RAMPART_AUDIT_UNAVAILABLE',
          message: 'neither the audit store nor the local spool accepts writes; calls are refused',
          error: error.message,
          spoolFile: this.spoolFile,
        });
      }
      this.reject(batch, error);
      return;
    }
    this.spoolFailed = false;
    this.stats.spooled += batch.length;
    for (const p of batch) p.resolve({ status: 'spooled', id: p.id });
  }

  /** At open: a spool from an earlier run is drained (or, if a crash hit after its drain committed, deleted). */
  private async recoverSpool(): Promise<void> {
    if (!this.spoolFile) return;
    let leftover: Awaited<ReturnType<typeof Spool.read>>;
    try {
      leftover = await Spool.read(this.spoolFile);
    } catch (err) {
      throw unavailable(err);
    }
    if (!leftover) return;
    if (leftover.generation === this.drainedGeneration) {
      await Spool.remove(this.spoolFile);
      return;
    }
    this.spool = await Spool.open(this.spoolFile);
    await this.drainSpool();
    if (this.spool && this.failureMode === 'closed') {
      throw new AuditError('RAMPART_AUDIT_UNAVAILABLE', `cannot move ${this.spoolFile} into the audit log`);
    }
  }

  /** Moves the spooled events into the chain in one transaction, then deletes the spool. */
  private async drainSpool(): Promise<void> {
    const spool = this.spool!;
    try {
      const content = await Spool.read(spool.file);
      this.reloadHead(await this.store.head());
      if (content && content.generation !== this.drainedGeneration && content.events.length > 0) {
        const spooled = content.events.map(parseSpoolLine);
        const head = this.head.clone();
        const entries = spooled.map((s) => head.append(s.event.id, s.json));
        const nowMs = this.now();
        // Sealed at once: spooled events were the least protected ones.
        const checkpoint = this.sign(head, nowMs);
        const payloads = spooled.flatMap((s) => s.payloads);
        const keys = new Map(spooled.flatMap((s) => s.keys).map((k) => [k.keyId, k] as const));
        const result = await this.store.write({
          entries,
          checkpoint: { signed: checkpoint, frontier: head.frontier.serialize() },
          spoolGeneration: content.generation,
          payloads: payloads.length > 0 ? payloads : undefined,
          keys: keys.size > 0 ? [...keys.values()] : undefined,
        });
        this.head = head;
        this.drainedGeneration = content.generation;
        this.written(result, entries.length);
        this.announce(entries, spooled);
        this.checkpointed(checkpoint, nowMs);
      }
    } catch {
      this.headStale = true;
      return;
    }
    try {
      await spool.close();
      await Spool.remove(spool.file);
    } catch (err) {
      // The events are in the chain (and the drained generation is recorded, so they never replay); a spool file
      // that cannot be removed is left for the next open, which deletes it.
      this.onAlert({
        severity: 'info',
        code: 'RAMPART_AUDIT_RECOVERED',
        message: 'spool drained into the log, but its file could not be removed',
        error: unavailable(err).message,
        spoolFile: spool.file,
      });
    }
    this.spool = undefined;
    this.spoolFailed = false;
    this.healthy = false;
    this.recovered('audit store writes again; spooled events were added to the log', spool.file);
  }

  private reloadHead(stored: StoredHead): void {
    this.head = headOf(stored);
    this.drainedGeneration = stored.spoolGeneration;
    if (stored.latestCheckpoint && stored.latestCheckpoint.size > this.lastCheckpoint.size) {
      this.lastCheckpoint = {
        size: stored.latestCheckpoint.size,
        atMs: Date.parse(stored.latestCheckpoint.time),
      };
    }
    this.headStale = false;
  }

  private reject(batch: Pending[], err: AuditError): void {
    this.stats.rejected += batch.length;
    for (const p of batch) p.reject(err);
  }
}

function headOf(stored: StoredHead): ChainHead {
  return new ChainHead(MerkleFrontier.deserialize(stored.size, stored.frontier), stored.lastHash);
}

function sealedOf(
  batch: readonly Pending[],
): { payloads: StoredPayload[]; keys: StoredSubjectKey[] } | undefined {
  let payloads: StoredPayload[] | undefined;
  let keys: Map<string, StoredSubjectKey> | undefined;
  for (const p of batch) {
    if (p.sealed.length === 0) continue;
    payloads ??= [];
    keys ??= new Map();
    for (const s of p.sealed) {
      payloads.push(s.payload);
      keys.set(s.key.keyId, s.key);
    }
  }
  return payloads && { payloads, keys: [...keys!.values()] };
}

// A spool line is the event's canonical JSON, or, when the event has sealed payloads, a wrapper that carries their
// ciphertexts and (wrapped) keys too, with the event's exact bytes last: {"sealed":{…},"event":<event JSON>}.
// Nothing in the spool is plaintext beyond what the event itself holds.
const SEALED_PREFIX = '{"sealed":';

interface SpooledSealed {
  payloads: Array<{
    eventId: string;
    field: 'arguments' | 'result';
    keyId: string;
    nonce: string;
    ciphertext: string;
    timeMs: number;
  }>;
  keys: Array<{ keyId: string; subjectRef: string; wrapped: string; createdMs: number }>;
}

function spoolLine(p: Pending): string {
  if (p.sealed.length === 0) return p.json;
  const keys = new Map<string, StoredSubjectKey>();
  for (const s of p.sealed) keys.set(s.key.keyId, s.key);
  const sealed: SpooledSealed = {
    payloads: p.sealed.map(({ payload: x }) => ({
      eventId: x.eventId,
      field: x.field,
      keyId: x.keyId,
      nonce: Buffer.from(x.nonce).toString('base64'),
      ciphertext: Buffer.from(x.ciphertext).toString('base64'),
      timeMs: x.timeMs,
    })),
    keys: [...keys.values()].map((k) => ({
      keyId: k.keyId,
      subjectRef: k.subjectRef,
      wrapped: Buffer.from(k.wrapped).toString('base64'),
      createdMs: k.createdMs,
    })),
  };
  return `${SEALED_PREFIX}${JSON.stringify(sealed)},"event":${p.json}}`;
}

function parseSpoolLine(line: string): {
  json: string;
  event: AuditEvent;
  payloads: StoredPayload[];
  keys: StoredSubjectKey[];
} {
  if (!line.startsWith(SEALED_PREFIX)) {
    return { json: line, event: JSON.parse(line) as AuditEvent, payloads: [], keys: [] };
  }
  const value = JSON.parse(line) as { sealed: SpooledSealed; event: AuditEvent };
  // The event's bytes are cut out rather than re-serialised: they are what the chain must hash.
  const prefix = `${SEALED_PREFIX}${JSON.stringify(value.sealed)},"event":`;
  if (!line.startsWith(prefix) || !line.endsWith('}')) throw new Error('malformed spool line');
  return {
    json: line.slice(prefix.length, -1),
    event: value.event,
    payloads: value.sealed.payloads.map((x) => ({
      ...x,
      nonce: Buffer.from(x.nonce, 'base64'),
      ciphertext: Buffer.from(x.ciphertext, 'base64'),
    })),
    keys: value.sealed.keys.map((k) => ({ ...k, wrapped: Buffer.from(k.wrapped, 'base64') })),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function unavailable(err: unknown): AuditError {
  if (err instanceof AuditError) return err;
  return new AuditError('RAMPART_AUDIT_UNAVAILABLE', `audit store failed: ${String(err)}`, { cause: err });
}
