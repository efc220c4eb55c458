// The background delivery every sink shares: a bounded queue, one batch in flight, retries with exponential
// backoff, and counters. The caller (the audit log, right after a commit) only ever pushes into memory.
//
// Full queue: the incoming items are dropped (tail drop), so what is queued stays in order and a receiver that
// comes back gets a contiguous run; the gap is visible in the sequence numbers and the authoritative log still
// has every entry. Delivery is at least once: a batch that failed part way is sent again from its start.
import type { Logger } from '../../monitor/logger.ts';
import type { SignedCheckpoint } from '../checkpoint.ts';
import { BoundedQueue } from './bounded-queue.ts';
import type { AuditForwarder, CommittedRecord, ForwarderStats } from './forwarder.ts';

export type SinkItem =
  | { readonly kind: 'entry'; readonly record: CommittedRecord }
  | { readonly kind: 'checkpoint'; readonly checkpoint: SignedCheckpoint };

/** A delivery failure; `retryable: false` (a receiver that refuses the data itself) drops the batch at once. */
export class SinkError extends Error {
  readonly retryable: boolean;
  constructor(message: string, retryable = true, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SinkError';
    this.retryable = retryable;
  }
}

export interface SinkTransport {
  /** Delivers the whole batch, in order, or throws. */
  send(batch: readonly SinkItem[]): Promise<void>;
  /** Releases sockets and files; a send in flight must settle soon after. */
  close(): Promise<void>;
}

export interface DeliveryTuning {
  /** Items per send. */
  readonly maxBatch: number;
  /** Attempts per batch before it is dropped (Infinity: hold it until the queue overflows). */
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How long `close` waits for the queue to drain. */
  readonly closeTimeoutMs: number;
  /** At most one warning of a kind per interval. */
  readonly warnIntervalMs: number;
}

export const DEFAULT_TUNING: DeliveryTuning = {
  maxBatch: 256,
  maxAttempts: Number.POSITIVE_INFINITY,
  initialBackoffMs: 250,
  maxBackoffMs: 30_000,
  closeTimeoutMs: 5_000,
  warnIntervalMs: 60_000,
};

export interface QueuedForwarderOptions {
  readonly log: Logger;
  readonly maxQueued: number;
  readonly transport: SinkTransport;
  readonly tuning?: Partial<DeliveryTuning> | undefined;
}

/** An AuditForwarder over a transport. */
export function queuedForwarder(name: string, options: QueuedForwarderOptions): AuditForwarder {
  const forwarder = new QueuedForwarder(options);
  return {
    name,
    forward: (records) => forwarder.forward(records),
    checkpoint: (cp) => forwarder.checkpoint(cp),
    stats: () => forwarder.stats(),
    close: () => forwarder.close(),
  };
}

class QueuedForwarder {
  private readonly log: Logger;
  private readonly transport: SinkTransport;
  private readonly tuning: DeliveryTuning;
  private readonly queue: BoundedQueue<SinkItem>;
  private readonly counters = { sent: 0, dropped: 0, failed: 0 };
  private readonly lastWarn = new Map<string, { at: number; suppressed: number }>();
  private running: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private wake: (() => void) | undefined;
  /** Failed attempts of the batch at the front. */
  private attempt = 0;
  /** Failures since the last success: drives the backoff across batches. */
  private streak = 0;
  private accepting = true;
  private stopped = false;
  private closing: Promise<void> | undefined;

  constructor(options: QueuedForwarderOptions) {
    this.log = options.log;
    this.transport = options.transport;
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
    this.queue = new BoundedQueue(options.maxQueued);
  }

  forward(records: readonly CommittedRecord[]): void {
    try {
      for (const record of records) this.enqueue({ kind: 'entry', record });
      this.kick();
    } catch {
      // Never the caller's problem: it has just committed these to the authoritative log.
    }
  }

  checkpoint(checkpoint: SignedCheckpoint): void {
    try {
      this.enqueue({ kind: 'checkpoint', checkpoint });
      this.kick();
    } catch {
      // As in forward.
    }
  }

  stats(): ForwarderStats {
    return { ...this.counters, queued: this.queue.size };
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private enqueue(item: SinkItem): void {
    if (this.accepting && this.queue.push(item)) return;
    this.counters.dropped += 1;
    this.warn(
      'dropped',
      this.accepting ? 'audit sink queue full: dropping entries' : 'audit sink closed: dropping entries',
      { dropped: this.counters.dropped, maxQueued: this.queue.capacity },
    );
  }

  /**
   * Starts the pump unless it runs. It starts on a later turn of the event loop: formatting and writing happen
   * off the caller's path. Items that arrive just as the pump finishes start it again.
   */
  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.pump())
      .finally(() => {
        this.running = undefined;
        if (this.queue.size > 0 && !this.stopped) this.kick();
        else this.notifyIdle();
      });
  }

  private async pump(): Promise<void> {
    while (!this.stopped && this.queue.size > 0) {
      const batch = this.queue.peek(this.tuning.maxBatch);
      try {
        await this.transport.send(batch);
        if (this.stopped) return; // close() has already counted the batch as dropped
        this.queue.shift(batch.length);
        this.counters.sent += batch.length;
        if (this.streak > 0) this.log.info('audit sink delivering again', { failures: this.streak });
        this.attempt = 0;
        this.streak = 0;
      } catch (err) {
        if (this.stopped) return;
        this.counters.failed += 1;
        this.attempt += 1;
        this.streak += 1;
        const retryable = !(err instanceof SinkError) || err.retryable;
        const reason = err instanceof Error ? err.message : String(err);
        if (!retryable || this.attempt >= this.tuning.maxAttempts) {
          this.queue.shift(batch.length);
          this.counters.dropped += batch.length;
          this.attempt = 0;
          this.warn('gave-up', 'audit sink gave up on a batch', {
            items: batch.length,
            attempts: retryable ? this.tuning.maxAttempts : 1,
            reason,
            dropped: this.counters.dropped,
          });
          if (!retryable) continue;
        }
        const delayMs = this.backoff();
        this.warn('failed', 'audit sink delivery failed; retrying', { reason, retryInMs: delayMs });
        await this.sleep(delayMs);
      }
    }
  }

  /** Exponential with jitter (half to full), so many gateways do not reconnect to a SIEM in lockstep. */
  private backoff(): number {
    const exp = this.tuning.initialBackoffMs * 2 ** Math.min(this.streak - 1, 30);
    const capped = Math.min(this.tuning.maxBackoffMs, exp);
    return Math.round(capped / 2 + Math.random() * (capped / 2));
  }

  /** A wait that neither keeps the process alive nor outlasts close(). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.wake = done;
    });
  }

  private idle(): Promise<void> {
    if (this.queue.size === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private async shutdown(): Promise<void> {
    this.accepting = false;
    // One immediate retry rather than waiting out a long backoff; the deadline timer is ref'd on purpose so a
    // process that awaits close() is kept alive until it returns.
    this.wake?.();
    let deadline: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      deadline = setTimeout(resolve, this.tuning.closeTimeoutMs);
    });
    await Promise.race([this.idle(), expired]);
    clearTimeout(deadline);
    this.stopped = true;
    this.wake?.();
    const left = this.queue.size;
    if (left > 0) {
      this.queue.shift(left);
      this.counters.dropped += left;
      this.log.warn('audit sink closed with undelivered entries', { dropped: left });
    }
    let closeGrace: NodeJS.Timeout | undefined;
    await Promise.race([
      this.transport.close().catch((err: unknown) => {
        this.log.warn('audit sink did not close cleanly', { reason: String(err) });
      }),
      new Promise<void>((resolve) => (closeGrace = setTimeout(resolve, 2_000))),
    ]);
    clearTimeout(closeGrace);
    // The transport closed its sockets, so a send in flight settles now; bounded all the same.
    const running = this.running;
    if (running) {
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([running, new Promise<void>((resolve) => (grace = setTimeout(resolve, 1_000)))]);
      clearTimeout(grace);
    }
  }

  private warn(kind: string, msg: string, fields: Record<string, unknown>): void {
    const now = Date.now();
    const last = this.lastWarn.get(kind);
    if (last && now - last.at < this.tuning.warnIntervalMs) {
      last.suppressed += 1;
      return;
    }
    this.lastWarn.set(kind, { at: now, suppressed: 0 });
    this.log.warn(msg, { ...fields, ...(last?.suppressed ? { suppressed: last.suppressed } : {}) });
  }
}
