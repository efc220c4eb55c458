// A frozen clock with manual timers for the approval broker: tests advance time instead of sleeping.
import type { ApprovalClock } from '../../../src/policy/approvals/approval-broker.ts';

export interface ManualClock extends ApprovalClock {
  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  advance(ms: number): void;
  /** Moves time without firing timers (a clock that got ahead of a late timer). */
  jump(ms: number): void;
  /** How many timers are armed. */
  timers(): number;
}

export function manualClock(start = Date.parse('2026-03-02T09:00:00.000Z')): ManualClock {
  let now = start;
  let seq = 0;
  const armed = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimer(fn, ms) {
      seq += 1;
      armed.set(seq, { at: now + ms, fn });
      return seq;
    },
    clearTimer(handle) {
      armed.delete(handle as number);
    },
    advance(ms) {
      const target = now + ms;
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of armed)
          if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        armed.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = target;
    },
    jump(ms) {
      now += ms;
    },
    timers: () => armed.size,
  };
}

/** Whether a promise has settled, without waiting for it (lets pending microtasks run first). */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const winner = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<symbol>((resolve) => setImmediate(() => resolve(marker))),
  ]);
  return winner === true;
}
