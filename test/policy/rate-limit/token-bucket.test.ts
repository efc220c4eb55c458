// A bucket allows `burst` calls at once, then refills continuously at `rate` (fractions of a token count
// toward the next call); a refused call is not charged; Retry-After is the exact time until one token; and idle
// buckets that are full again are forgotten, so memory stays bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RateLimitRuleConfig } from '../../../src/config/rate-limits-schema.ts';
import { rateLimitsSchema } from '../../../src/config/rate-limits-schema.ts';
import { type RateLimitedCall, RateLimiter } from '../../../src/policy/rate-limit/limiter.ts';
import { MemoryRateLimitStore } from '../../../src/policy/rate-limit/memory-store.ts';
import { wallClock } from './clock.ts';

function rules(...input: Record<string, unknown>[]): RateLimitRuleConfig[] {
  return rateLimitsSchema.parse(input);
}

function call(subject = 'alice', name = 'fx__echo'): RateLimitedCall {
  return {
    method: 'tools/call',
    principal: { issuer: 'https://idp.test', subject },
    agent: undefined,
    groups: [],
    server: 'fx',
    name,
  };
}

describe('token bucket', () => {
  it('allows the burst, refuses the next call, and refills one token per period', async () => {
    const clock = wallClock();
    const limiter = new RateLimiter(
      rules({ name: 'r', rate: { tokens: 1, perSeconds: 2 }, burst: 3 }),
      clock,
    );
    for (let i = 0; i < 3; i++) assert.equal((await limiter.check(call())).allowed, true, `burst call ${i}`);
    const refused = await limiter.check(call());
    assert.equal(refused.allowed, false);
    assert.deepEqual(refused, { allowed: false, rule: 'r', limit: 'rate', retryAfterMs: 2000, rules: ['r'] });

    clock.advance(1999);
    const almost = await limiter.check(call());
    assert.equal(!almost.allowed && almost.retryAfterMs, 1, 'one millisecond short of a token');
    clock.advance(1);
    assert.equal((await limiter.check(call())).allowed, true, 'refilled one token');
    assert.equal((await limiter.check(call())).allowed, false, 'and only one');

    // A long pause refills to the burst, never beyond it.
    clock.advance(60_000);
    for (let i = 0; i < 3; i++) assert.equal((await limiter.check(call())).allowed, true);
    assert.equal((await limiter.check(call())).allowed, false);
  });

  it('defaults the burst to the rate and counts fractions of a token', async () => {
    const clock = wallClock();
    // 3 tokens per second: one token every 333.3 ms.
    const limiter = new RateLimiter(rules({ name: 'r', rate: { tokens: 3, perSeconds: 1 } }), clock);
    for (let i = 0; i < 3; i++) assert.equal((await limiter.check(call())).allowed, true);
    const empty = await limiter.check(call());
    assert.equal(!empty.allowed && empty.retryAfterMs, 334, 'ceil(333.3 ms)');

    clock.advance(200); // 0.6 of a token: not enough
    const partial = await limiter.check(call());
    assert.equal(!partial.allowed && partial.retryAfterMs, 134, 'ceil(133.3 ms) for the remaining 0.4');
    clock.advance(134); // 1.002 tokens
    assert.equal((await limiter.check(call())).allowed, true);
    // The 0.002 left over is kept: the next token is 332.7 ms away, not 333.3.
    const next = await limiter.check(call());
    assert.equal(!next.allowed && next.retryAfterMs, 333);
    // 666 ms more: 0.002 + 1.998 = 2 whole tokens.
    clock.advance(666);
    assert.equal((await limiter.check(call())).allowed, true);
    assert.equal((await limiter.check(call())).allowed, true);
    assert.equal((await limiter.check(call())).allowed, false);
  });

  it('does not charge refused calls: hammering an empty bucket does not delay its refill', async () => {
    const clock = wallClock();
    const limiter = new RateLimiter(rules({ name: 'r', rate: { tokens: 1, perSeconds: 10 } }), clock);
    assert.equal((await limiter.check(call())).allowed, true);
    for (let i = 0; i < 50; i++) {
      clock.advance(100);
      assert.equal((await limiter.check(call())).allowed, false);
    }
    clock.advance(5000); // 10 s after the allowed call
    assert.equal((await limiter.check(call())).allowed, true);
  });

  it('reports whole tokens and quota left, and charges all buckets of a call or none', async () => {
    const store = new MemoryRateLimitStore();
    const bucket = (key: string, burst: number) => ({ key, burst, tokens: 1, periodMs: 1000 });
    const quota = { limit: 5, day: '2025-01-15', resetAtMs: 10_000 };
    const first = await store.take([bucket('a', 3), { ...bucket('b', 1), quota }], 0);
    assert.equal(first.allowed, true);
    assert.deepEqual(
      first.buckets.map((b) => [b.remaining, b.quotaRemaining]),
      [
        [2, undefined],
        [0, 4],
      ],
    );
    // `b` is empty, so the call is refused and `a` is not charged either.
    const second = await store.take([bucket('a', 3), { ...bucket('b', 1), quota }], 0);
    assert.equal(second.allowed, false);
    assert.deepEqual(
      second.buckets.map((b) => [b.allowed, b.limit, b.remaining, b.quotaRemaining]),
      [
        [true, undefined, 2, undefined],
        [false, 'rate', 0, 4],
      ],
    );
  });

  it('forgets buckets that are full again and keeps those still refilling or counting a day', async () => {
    const store = new MemoryRateLimitStore({ sweepAbove: 4 });
    const bucket = (key: string) => ({ key, burst: 1, tokens: 1, periodMs: 1000 });
    for (const key of ['a', 'b', 'c', 'd']) await store.take([bucket(key)], 0);
    assert.equal(store.size, 4);
    // At 1 s the first four are full again; `q` counts today's quota, so it stays.
    await store.take([{ ...bucket('q'), quota: { limit: 9, day: 'd1', resetAtMs: 50_000 } }], 1000);
    assert.equal(store.size, 4 + 1 - 4);
    for (const key of ['e', 'f', 'g', 'h']) await store.take([bucket(key)], 1500);
    // Sweep at 1.5 s: e..h are still refilling, `q` is counting; nothing is forgotten.
    assert.equal(store.size, 5);
    // A forgotten bucket starts full: the same decisions as if it had been kept.
    const again = await store.take([bucket('a')], 1500);
    assert.equal(again.allowed, true);
  });
});
