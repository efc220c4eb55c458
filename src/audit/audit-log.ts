// The audit log: `append` resolves only once the event is durable in the store. Appends that arrive while a
// batch is being committed wait and go together in the next one (group commit: one transaction and one fsync
// for all of them), so the cost per event stays low under concurrency and nothing is acknowledged early.
//
// Chain positions are assigned when a batch is formed, not when an event is appended: a failed batch then leaves
// no hole, and the next batch simply continues from the last committed head.
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
  type AuditEventInput,
  type BuiltEvent,
  buildAuditEvent,
  type PayloadMode,
  type Redactor,
} from './event.ts';
import { MerkleFrontier } from './merkle.ts';
import { Spool } from './spool.ts';
import type { AuditStore, StoredHead } from './store.ts';

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
  /** Wall clock, ms since the epoch. */
  readonly now?: () => number;
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
}

interface Pending {
  readonly id: string;
  readonly json: string;
  resolve(receipt: AppendReceipt): void;
  reject(err: Error): void;
}

export class AuditLog {
  readonly stats: AuditStats = {
    appended: 0,
    committed: 0,
    spooled: 0,
    rejected: 0,
    batches: 0,
    checkpoints: 0,
    transactions: 0,
  };
  private readonly store: AuditStore;
  private readonly signer: CheckpointSigner;
  private readonly policy: CheckpointPolicy;
  private readonly eventOptions: { mode: PayloadMode; redact: Redactor | undefined; now: () => number };
  private readonly failureMode: FailureMode;
  private readonly spoolFile: string | undefined;
  private readonly retryMs: number;
  private readonly maxBatch: number;
  private readonly onAlert: (alert: AuditAlert) => void;
  private readonly onCheckpoint: (cp: SignedCheckpoint) => void;
  private readonly now: () => number;

  private head: ChainHead;
  private lastCheckpoint: { size: number; atMs: number };
  private drainedGeneration: string | undefined;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private headStale = false;
  private healthy = true;
  private spool: Spool | undefined;
  private lastRetryAt = 0;
  private retryDue = false;
  private checkpointWanted = false;
  private checkpointWaiters: Array<{
    resolve(cp: SignedCheckpoint | undefined): void;
    reject(e: Error): void;
  }> = [];
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  private constructor(options: AuditLogOptions, stored: StoredHead) {
    this.store = options.store;
    this.signer = options.signer;
    this.policy = { ...DEFAULT_CHECKPOINT_POLICY, ...options.checkpoints };
    this.now = options.now ?? Date.now;
    this.eventOptions = { mode: options.payloadMode ?? 'digest', redact: options.redact, now: this.now };
    this.failureMode = options.failureMode ?? 'closed';
    this.spoolFile = options.spoolFile;
    if (this.failureMode === 'degraded' && !this.spoolFile)
      throw new TypeError('degraded mode needs spoolFile');
    this.retryMs = options.retryMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 4096;
    this.onAlert = options.onAlert ?? (() => undefined);
    this.onCheckpoint = options.onCheckpoint ?? (() => undefined);
    this.head = headOf(stored);
    this.drainedGeneration = stored.spoolGeneration;
    this.lastCheckpoint = stored.latestCheckpoint
      ? { size: stored.latestCheckpoint.size, atMs: Date.parse(stored.latestCheckpoint.time) }
      : { size: 0, atMs: this.now() };
    const tickMs = Math.max(10, Math.min(this.policy.intervalMs, this.retryMs, 1000));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  /** Opens the log on a store: reads the head and moves a spool left by an earlier run into the chain. */
  static async open(options: AuditLogOptions): Promise<AuditLog> {
    let stored: StoredHead;
    try {
      stored = await options.store.head();
    } catch (err) {
      await options.store.close().catch(() => undefined);
      throw unavailable(err);
    }
    const log = new AuditLog(options, stored);
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
      this.queue.push({ id: built.event.id, json: built.json, resolve, reject });
      this.kick();
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
        if (this.queue.length > 0 || this.checkpointWanted || (this.spool && this.retryDue)) this.kick();
      });
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.spool && this.retryDue) {
        this.retryDue = false;
        await this.drainSpool();
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
    let transactions: number;
    try {
      ({ transactions } = await this.store.write({
        entries,
        checkpoint: checkpoint && { signed: checkpoint, frontier: head.frontier.serialize() },
      }));
    } catch (err) {
      await this.failed(batch, err, wanted);
      return;
    }
    this.head = head;
    this.stats.batches += 1;
    this.stats.committed += entries.length;
    this.stats.transactions = transactions;
    if (!this.healthy) {
      this.healthy = true;
      this.onAlert({
        severity: 'info',
        code: 'RAMPART_AUDIT_RECOVERED',
        message: 'audit store writes again',
      });
    }
    for (let i = 0; i < batch.length; i++) {
      const entry = entries[i]!;
      batch[i]!.resolve({
        status: 'committed',
        id: entry.id,
        seq: entry.seq,
        hash: entry.hash.toString('hex'),
      });
    }
    if (checkpoint) this.checkpointed(checkpoint, nowMs);
    this.settleCheckpointWaiters(checkpoint);
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
      await this.spool!.append(batch.map((p) => p.json));
    } catch (err) {
      // Nowhere left to make the events durable: fail closed after all.
      this.unhealthy(unavailable(err));
      this.reject(batch, unavailable(err));
      return;
    }
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
        const head = this.head.clone();
        const entries = content.events.map((json) => head.append(idOf(json), json));
        const nowMs = this.now();
        // Sealed at once: spooled events were the least protected ones.
        const checkpoint = this.sign(head, nowMs);
        const { transactions } = await this.store.write({
          entries,
          checkpoint: { signed: checkpoint, frontier: head.frontier.serialize() },
          spoolGeneration: content.generation,
        });
        this.head = head;
        this.drainedGeneration = content.generation;
        this.stats.batches += 1;
        this.stats.committed += entries.length;
        this.stats.transactions = transactions;
        this.checkpointed(checkpoint, nowMs);
      }
    } catch {
      this.headStale = true;
      return;
    }
    await spool.close();
    await Spool.remove(spool.file);
    this.spool = undefined;
    this.healthy = true;
    this.onAlert({
      severity: 'info',
      code: 'RAMPART_AUDIT_RECOVERED',
      message: 'audit store writes again; spooled events were added to the log',
      spoolFile: spool.file,
    });
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

function idOf(eventJson: string): string {
  const id = (JSON.parse(eventJson) as { id?: unknown }).id;
  return typeof id === 'string' ? id : '';
}

function unavailable(err: unknown): AuditError {
  if (err instanceof AuditError) return err;
  return new AuditError('RAMPART_AUDIT_UNAVAILABLE', `audit store failed: ${String(err)}`, { cause: err });
}
