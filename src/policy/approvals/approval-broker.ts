// Holds a call until a human decides: an approver in this process (admin API: at once), an approver in another
// process (`rampart approvals`, which writes the database: seen on the next poll), the user when the client can
// be asked (mode `any` only), the timeout (denies), or the caller going away. The first of them wins; the store's
// conditional UPDATE makes that true across processes too.
import { RampartError } from '../../errors.ts';
import type { Logger } from '../../monitor/logger.ts';
import {
  type ApprovalListFilter,
  type ApprovalMode,
  type ApprovalRecord,
  type ApprovalRequester,
  ApprovalStore,
} from './approval-store.ts';

/** Time and timers, injected so tests freeze the clock instead of sleeping. */
export interface ApprovalClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: ApprovalClock = {
  now: Date.now,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface ApprovalRequest {
  readonly principal:
    | { issuer: string; subject: string; clientId?: string | undefined; agent?: string | undefined }
    | undefined;
  readonly sessionId: string | undefined;
  readonly server: string;
  readonly method: string;
  /** The exposed tool name. */
  readonly name: string;
  /** Already redacted: approvers see them. */
  readonly arguments: unknown;
  /** Digest to show approvers (e.g. the audit log's, over the unredacted arguments); defaults to one over `arguments`. */
  readonly argumentsSha256?: string | undefined;
  readonly policies: readonly string[];
  /** Why approval is needed, safe to show. */
  readonly reason: string;
  readonly mode: ApprovalMode;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Present when the client can be asked (elicitation): resolves with the user's answer; the first decision wins. */
  readonly askUser?: (() => Promise<{ approved: boolean; reason?: string | undefined }>) | undefined;
  /** Called once the row exists (the lead logs it / notifies). */
  readonly onPending?: ((id: string) => void) | undefined;
}

export type ApprovalOutcomeKind = 'approved' | 'denied' | 'timeout' | 'cancelled';

export interface ApprovalOutcome {
  readonly id: string;
  readonly outcome: ApprovalOutcomeKind;
  readonly approver: string | undefined;
  readonly channel: 'cli' | 'admin' | 'elicitation' | 'timeout' | 'cancelled';
  /** The approver's or user's reason, if they gave one. */
  readonly reason: string | undefined;
}

export interface BrokerDecision {
  readonly approved: boolean;
  readonly approver: string;
  readonly reason?: string | undefined;
  readonly channel: 'cli' | 'admin';
  /** The approver's verified identity (admin API), for the four-eyes rule; the CLI cannot prove one. */
  readonly identity?: { readonly issuer: string; readonly subject: string } | undefined;
}

export type DecideResult =
  | { readonly ok: true; readonly record: ApprovalRecord }
  | { readonly ok: false; readonly why: 'unknown' | 'decided' | 'expired' | 'self-approval' };

export interface ApprovalBrokerOptions {
  readonly store: ApprovalStore;
  /** Close the store with the broker (set when the broker opened it). */
  readonly ownsStore?: boolean | undefined;
  readonly clock?: ApprovalClock | undefined;
  /** How often held calls look for decisions written by other processes. */
  readonly pollMs?: number | undefined;
  readonly log?: Logger | undefined;
}

interface Held {
  readonly id: string;
  readonly resolve: (outcome: ApprovalOutcome) => void;
  timer: unknown;
  detach: () => void;
}

export const DEFAULT_POLL_MS = 250;
// setTimeout's upper bound; the config allows far less.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The approver recorded for the user's own answer to an elicitation. */
export function userApprover(principal: ApprovalRequest['principal']): string {
  return principal ? `user:${principal.issuer}|${principal.subject}` : 'user:anonymous';
}

export class ApprovalBroker {
  readonly store: ApprovalStore;
  private readonly ownsStore: boolean;
  private readonly clock: ApprovalClock;
  private readonly pollMs: number;
  private readonly log: Logger | undefined;
  private readonly held = new Map<string, Held>();
  private pollTimer: unknown;
  private closed = false;

  constructor(options: ApprovalBrokerOptions) {
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!(Number.isInteger(pollMs) && pollMs > 0)) throw new TypeError('pollMs must be a positive integer');
    this.store = options.store;
    this.ownsStore = options.ownsStore ?? false;
    this.clock = options.clock ?? systemClock;
    this.pollMs = pollMs;
    this.log = options.log;
    // Requests left pending by a process that stopped can no longer be answered by anyone.
    this.store.expireOverdue(this.clock.now());
  }

  /** Opens the state directory's store and a broker that owns it. */
  static open(
    stateDir: string,
    options: Omit<ApprovalBrokerOptions, 'store' | 'ownsStore'> = {},
  ): ApprovalBroker {
    return new ApprovalBroker({ ...options, store: new ApprovalStore(stateDir), ownsStore: true });
  }

  now(): number {
    return this.clock.now();
  }

  /** How many calls this process is holding. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * Holds a call until it is decided, times out or is cancelled. Rejects only when the request cannot be stored
   * (or the broker is closed: RAMPART_SHUTTING_DOWN); the caller then refuses the call.
   */
  request(input: ApprovalRequest): Promise<ApprovalOutcome> {
    if (this.closed) return Promise.reject(new RampartError('RAMPART_SHUTTING_DOWN'));
    if (!(Number.isFinite(input.timeoutMs) && input.timeoutMs > 0)) {
      return Promise.reject(new TypeError('timeoutMs must be a positive number'));
    }
    const now = this.clock.now();
    let record: ApprovalRecord;
    try {
      record = this.store.create({
        createdAt: now,
        expiresAt: now + input.timeoutMs,
        mode: input.mode,
        requester: input.principal && {
          issuer: input.principal.issuer,
          subject: input.principal.subject,
          clientId: input.principal.clientId,
          agent: input.principal.agent,
        },
        session: input.sessionId,
        server: input.server,
        method: input.method,
        name: input.name,
        arguments: input.arguments,
        argumentsSha256: input.argumentsSha256,
        policies: input.policies,
        reason: input.reason,
      });
    } catch (err) {
      return Promise.reject(err);
    }
    const { id } = record;
    return new Promise<ApprovalOutcome>((resolve) => {
      const onAbort = () => this.finish(id, 'cancel');
      const entry: Held = {
        id,
        resolve,
        timer: this.clock.setTimer(() => this.finish(id, 'expire'), Math.min(input.timeoutMs, MAX_TIMER_MS)),
        detach: () => input.signal.removeEventListener('abort', onAbort),
      };
      this.held.set(id, entry);
      input.signal.addEventListener('abort', onAbort, { once: true });
      this.schedulePoll();
      try {
        input.onPending?.(id);
      } catch (err) {
        this.log?.warn('approval onPending hook failed', { id, error: String(err) });
      }
      if (input.signal.aborted) {
        onAbort();
        return;
      }
      // The user's answer counts only where the policy lets anyone entitled decide.
      if (input.askUser && input.mode === 'any') this.askUser(id, input.principal, input.askUser);
    });
  }

  /** An approver's decision (admin API in this process; the CLI writes the store directly). */
  decide(id: string, decision: BrokerDecision): DecideResult {
    const now = this.clock.now();
    const record = this.store.get(id);
    if (!record) return { ok: false, why: 'unknown' };
    const closed = whyClosed(record, now);
    if (closed) return { ok: false, why: closed };
    if (record.mode === 'approver' && isSelfApproval(record.requester, decision.identity)) {
      return { ok: false, why: 'self-approval' };
    }
    const won = this.store.decide(
      id,
      {
        approved: decision.approved,
        approver: decision.approver,
        reason: decision.reason,
        channel: decision.channel,
      },
      now,
    );
    const after = this.store.get(id);
    if (!won || !after) return { ok: false, why: (after && whyClosed(after, now)) || 'decided' };
    this.settle(after);
    return { ok: true, record: after };
  }

  list(filter: ApprovalListFilter = {}): ApprovalRecord[] {
    return this.store.list(filter, this.clock.now());
  }

  get(id: string): ApprovalRecord | undefined {
    return this.store.get(id);
  }

  /** Cancels every held call (each resolves `cancelled`), stops polling, and closes the store if it owns it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.held.keys()]) this.finish(id, 'cancel');
    if (this.pollTimer !== undefined) this.clock.clearTimer(this.pollTimer);
    this.pollTimer = undefined;
    if (this.ownsStore) this.store.close();
  }

  private askUser(
    id: string,
    principal: ApprovalRequest['principal'],
    ask: NonNullable<ApprovalRequest['askUser']>,
  ): void {
    let answer: Promise<{ approved: boolean; reason?: string | undefined }>;
    try {
      answer = ask();
    } catch (err) {
      answer = Promise.reject(err);
    }
    answer.then(
      (result) => {
        if (!this.held.has(id)) return;
        try {
          const now = this.clock.now();
          this.store.decide(
            id,
            {
              approved: result.approved === true,
              approver: userApprover(principal),
              reason: result.reason,
              channel: 'elicitation',
            },
            now,
          );
          const after = this.store.get(id);
          // Lost to a deadline not yet fired: the timer settles it.
          if (after && after.status !== 'pending') this.settle(after);
        } catch (err) {
          this.log?.warn('recording the user approval failed', { id, error: String(err) });
        }
      },
      (err: unknown) => {
        // The client could not be asked after all: approvers can still decide, and the timeout still denies.
        this.log?.info('asking the user for approval failed', { id, error: String(err) });
      },
    );
  }

  /** Closes a held request by timeout or cancellation, unless a decision got there first. */
  private finish(id: string, how: 'expire' | 'cancel'): void {
    const entry = this.held.get(id);
    if (!entry) return;
    const now = this.clock.now();
    let record: ApprovalRecord | undefined;
    try {
      if (how === 'expire') this.store.expire(id, now);
      else this.store.cancel(id, now);
      record = this.store.get(id);
    } catch (err) {
      this.log?.error('closing a held approval failed', { id, error: String(err) });
    }
    if (record && record.status !== 'pending') {
      this.settle(record);
      return;
    }
    // The database is unavailable: fail closed without it.
    this.resolveHeld(entry, {
      id,
      outcome: how === 'expire' ? 'timeout' : 'cancelled',
      approver: undefined,
      channel: how === 'expire' ? 'timeout' : 'cancelled',
      reason: undefined,
    });
  }

  private settle(record: ApprovalRecord): void {
    const entry = this.held.get(record.id);
    if (!entry) return;
    this.resolveHeld(entry, outcomeOf(record));
  }

  private resolveHeld(entry: Held, outcome: ApprovalOutcome): void {
    this.held.delete(entry.id);
    this.clock.clearTimer(entry.timer);
    entry.detach();
    if (this.held.size === 0 && this.pollTimer !== undefined) {
      this.clock.clearTimer(this.pollTimer);
      this.pollTimer = undefined;
    }
    entry.resolve(outcome);
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined || this.held.size === 0 || this.closed) return;
    this.pollTimer = this.clock.setTimer(() => {
      this.pollTimer = undefined;
      this.poll();
      this.schedulePoll();
    }, this.pollMs);
  }

  private poll(): void {
    try {
      for (const record of this.store.pendingDecisions([...this.held.keys()])) this.settle(record);
    } catch (err) {
      // Busy or briefly unavailable: the next poll tries again, and the timeout still ends the wait.
      this.log?.warn('polling approval decisions failed', { error: String(err) });
    }
  }
}

function whyClosed(record: ApprovalRecord, now: number): 'decided' | 'expired' | undefined {
  if (record.status === 'expired' || (record.status === 'pending' && record.expiresAt <= now))
    return 'expired';
  return record.status === 'pending' ? undefined : 'decided';
}

/** Four eyes: the verified approver is the requester (same issuer and subject). */
function isSelfApproval(
  requester: ApprovalRequester | undefined,
  identity: BrokerDecision['identity'],
): boolean {
  return (
    requester !== undefined &&
    identity !== undefined &&
    identity.issuer === requester.issuer &&
    identity.subject === requester.subject
  );
}

function outcomeOf(record: ApprovalRecord): ApprovalOutcome {
  const outcome: ApprovalOutcomeKind =
    record.status === 'approved'
      ? 'approved'
      : record.status === 'denied'
        ? 'denied'
        : record.status === 'expired'
          ? 'timeout'
          : 'cancelled';
  return {
    id: record.id,
    outcome,
    approver: record.approver,
    channel: record.channel ?? (outcome === 'timeout' ? 'timeout' : 'cancelled'),
    reason: record.decisionReason,
  };
}
