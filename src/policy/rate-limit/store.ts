// Where rate-limit buckets live. One node keeps them in memory (memory-store.ts); several nodes behind one
// address need a shared store, and the interface is shaped so that a Redis implementation can fill it with one
// Lua script per call:
//
//   - `take` is async and receives every bucket one call is charged to, so the script gets them all as KEYS
//     and decides all-or-nothing in one atomic step (no other node interleaves; in a Redis Cluster the keys of
//     one call need a common hash tag).
//   - Every input the script needs travels in the request: capacity, refill rate and, for a daily quota, the
//     calendar day and the instant it ends. Time zones and calendars are resolved by the caller (calendar.ts),
//     so the script only does arithmetic; the day key can expire at `resetAtMs` (PEXPIREAT) and the bucket
//     key after a full refill (PEXPIRE), which bounds memory the way the in-memory store's sweep does.
//   - `nowMs` comes from the caller so tests freeze time; a shared store may prefer its own clock (Redis TIME)
//     so that skewed node clocks cannot stretch a limit.

/** One bucket a call is charged to. */
export interface BucketRequest {
  /** Identifies the bucket: the rule name and the values of its `per` dimensions. */
  readonly key: string;
  /** Capacity: tokens a full bucket holds. */
  readonly burst: number;
  /** Refill rate: `tokens` every `periodMs`, continuously (fractions count). */
  readonly tokens: number;
  readonly periodMs: number;
  /** The daily quota, when the rule has one: calls allowed on `day`, which ends at `resetAtMs`. */
  readonly quota?: { readonly limit: number; readonly day: string; readonly resetAtMs: number } | undefined;
}

/** The state of one bucket after a take: what it allowed, or why and for how long it refuses. */
export interface BucketOutcome {
  /** True when this bucket alone would have allowed the call. */
  readonly allowed: boolean;
  /** What refused: the token bucket (`rate`) or the daily quota (`quota`); undefined when allowed. */
  readonly limit: 'rate' | 'quota' | undefined;
  /** Milliseconds until this bucket allows a call again (0 when it allows one now). */
  readonly retryAfterMs: number;
  /** Whole tokens left (after the take, when the call was allowed). */
  readonly remaining: number;
  /** Calls left today, when the bucket has a quota. */
  readonly quotaRemaining: number | undefined;
}

export interface TakeOutcome {
  /** True when every bucket allowed the call; only then is anything charged. */
  readonly allowed: boolean;
  /** One outcome per request, in request order. */
  readonly buckets: readonly BucketOutcome[];
}

/** Atomic, all-or-nothing charging of one call to its buckets (see the module comment for a shared store). */
export interface RateLimitStore {
  take(requests: readonly BucketRequest[], nowMs: number): Promise<TakeOutcome>;
}
