// Token buckets and daily counters in this process's memory: exact for one node. Buckets refill lazily from the
// time of their last take (no timers); memory stays bounded by sweeping buckets that are full again and hold no
// count for the current day, since forgetting those changes no future decision.
import type { BucketOutcome, BucketRequest, RateLimitStore, TakeOutcome } from './store.ts';

/** Tolerance for the rounding of fractional refills (a token that is 0.9999999999 due to float error counts). */
const EPSILON = 1e-9;

interface Bucket {
  tokens: number;
  updatedMs: number;
  burst: number;
  /** Refill rate as the rule states it: `rate` tokens per `periodMs` (kept apart so integer cases stay exact). */
  rate: number;
  periodMs: number;
  /** The day `used` counts for, and when that day ends (absent without a quota). */
  day: string | undefined;
  resetAtMs: number;
  used: number;
}

export interface MemoryStoreOptions {
  /** Sweep idle buckets once more than this many exist (then again at twice the number kept). */
  sweepAbove?: number;
}

/** The single-node store: all-or-nothing takes over a Map, with an amortised sweep of idle full buckets. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly buckets = new Map<string, Bucket>();
  private readonly minSweepAbove: number;
  private sweepAbove: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.minSweepAbove = options.sweepAbove ?? 10_000;
    this.sweepAbove = this.minSweepAbove;
  }

  /** Buckets currently held (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  async take(requests: readonly BucketRequest[], nowMs: number): Promise<TakeOutcome> {
    return this.takeNow(requests, nowMs);
  }

  /** The synchronous core of `take`: nothing can interleave between deciding and charging. */
  takeNow(requests: readonly BucketRequest[], nowMs: number): TakeOutcome {
    const states = requests.map((request) => this.current(request, nowMs));
    const buckets = requests.map((request, i) => decide(request, states[i]!, nowMs));
    const allowed = buckets.every((b) => b.allowed);
    if (!allowed) {
      // Nothing is charged: report what each bucket holds now.
      return { allowed, buckets };
    }
    const charged = requests.map((request, i): BucketOutcome => {
      const state = states[i]!;
      state.tokens -= 1;
      state.used += 1;
      this.buckets.set(request.key, state);
      return {
        allowed: true,
        limit: undefined,
        retryAfterMs: 0,
        remaining: wholeTokens(state.tokens),
        quotaRemaining: request.quota ? request.quota.limit - state.used : undefined,
      };
    });
    if (this.buckets.size > this.sweepAbove) this.sweep(nowMs);
    return { allowed, buckets: charged };
  }

  /** The bucket refilled to `nowMs` and moved to the request's day (a copy: nothing is stored yet). */
  private current(request: BucketRequest, nowMs: number): Bucket {
    const stored = this.buckets.get(request.key);
    const refilled = stored
      ? Math.min(
          request.burst,
          stored.tokens + refill(nowMs - stored.updatedMs, request.tokens, request.periodMs),
        )
      : request.burst;
    const sameDay = stored !== undefined && request.quota !== undefined && stored.day === request.quota.day;
    return {
      tokens: refilled,
      updatedMs: nowMs,
      burst: request.burst,
      rate: request.tokens,
      periodMs: request.periodMs,
      day: request.quota?.day,
      resetAtMs: request.quota?.resetAtMs ?? 0,
      used: sameDay ? stored.used : 0,
    };
  }

  /** Drops buckets that are full again and count nothing for a day still running. */
  private sweep(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      const tokens = bucket.tokens + refill(nowMs - bucket.updatedMs, bucket.rate, bucket.periodMs);
      const full = tokens >= bucket.burst - EPSILON;
      const counting = bucket.day !== undefined && bucket.used > 0 && nowMs < bucket.resetAtMs;
      if (full && !counting) this.buckets.delete(key);
    }
    this.sweepAbove = Math.max(this.minSweepAbove, this.buckets.size * 2);
  }
}

/** Whether one bucket allows a call now, and if not which limit refuses and for how long. */
function decide(request: BucketRequest, state: Bucket, nowMs: number): BucketOutcome {
  const rateWaitMs = state.tokens >= 1 - EPSILON ? 0 : msUntilOneToken(state);
  const quota = request.quota;
  const quotaRemaining = quota ? Math.max(0, quota.limit - state.used) : undefined;
  if (quota && quotaRemaining === 0) {
    // The bucket may be empty too: the earliest call that can pass is after both refill.
    const retryAfterMs = Math.max(quota.resetAtMs - nowMs, rateWaitMs, 0);
    return {
      allowed: false,
      limit: 'quota',
      retryAfterMs,
      remaining: wholeTokens(state.tokens),
      quotaRemaining,
    };
  }
  if (rateWaitMs > 0) {
    return {
      allowed: false,
      limit: 'rate',
      retryAfterMs: rateWaitMs,
      remaining: 0,
      quotaRemaining,
    };
  }
  return {
    allowed: true,
    limit: undefined,
    retryAfterMs: 0,
    remaining: wholeTokens(state.tokens),
    quotaRemaining,
  };
}

/** Tokens that flow in over `elapsedMs` (multiplied before dividing: whole periods give whole tokens). */
function refill(elapsedMs: number, rate: number, periodMs: number): number {
  return (Math.max(0, elapsedMs) * rate) / periodMs;
}

/** Whole milliseconds until a bucket holding fewer than one token holds one, rounded up. */
function msUntilOneToken(bucket: Bucket): number {
  // The tolerance absorbs float error of the division (a wait of exactly 2000 ms must not become 2001).
  return Math.max(1, Math.ceil(((1 - bucket.tokens) * bucket.periodMs) / bucket.rate - 1e-6));
}

function wholeTokens(tokens: number): number {
  return Math.max(0, Math.floor(tokens + EPSILON));
}
