// A daily quota counts calls per calendar day in the rule's time zone and resets at local midnight, also on the
// 23- and 25-hour days of a daylight-saving change; refused calls are not counted; Retry-After points at the
// local midnight.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitsSchema } from '../../../src/config/rate-limits-schema.ts';
import { localDay, nextDayStart } from '../../../src/policy/rate-limit/calendar.ts';
import { type RateLimitedCall, RateLimiter } from '../../../src/policy/rate-limit/limiter.ts';
import { wallClock } from './clock.ts';

const CALL: RateLimitedCall = {
  method: 'tools/call',
  principal: { issuer: 'https://idp.test', subject: 'alice' },
  agent: undefined,
  groups: [],
  server: 'fx',
  name: 'fx__echo',
};

function quotaLimiter(clock: { now: () => number }, daily: number, timezone: string) {
  const rules = rateLimitsSchema.parse([
    { name: 'daily', rate: { tokens: 1000, perSeconds: 1 }, daily, timezone },
  ]);
  return new RateLimiter(rules, clock);
}

describe('daily quota', () => {
  it('refuses after the quota until local midnight, also on the 23-hour spring-forward day', async () => {
    // 2025-03-30 in Berlin: 00:00 CET (23:00Z the day before) to 00:00 CEST (22:00Z); 02:00 does not exist.
    const clock = wallClock('2025-03-30T12:00:00Z');
    const limiter = quotaLimiter(clock, 2, 'Europe/Berlin');
    assert.equal((await limiter.check(CALL)).allowed, true);
    assert.equal((await limiter.check(CALL)).allowed, true);
    const refused = await limiter.check(CALL);
    assert.deepEqual(refused, {
      allowed: false,
      rule: 'daily',
      limit: 'quota',
      retryAfterMs: 10 * 3_600_000,
      rules: ['daily'],
    });
    // Refused calls are not counted: after midnight the full quota is there again.
    for (let i = 0; i < 5; i++) assert.equal((await limiter.check(CALL)).allowed, false);
    clock.set('2025-03-30T21:59:59.999Z');
    const last = await limiter.check(CALL);
    assert.equal(!last.allowed && last.retryAfterMs, 1);
    clock.set('2025-03-30T22:00:00.000Z');
    assert.equal((await limiter.check(CALL)).allowed, true);
    assert.equal((await limiter.check(CALL)).allowed, true);
    assert.equal((await limiter.check(CALL)).allowed, false);
  });

  it('resets at local, not UTC, midnight and spans the 25-hour fall-back day', async () => {
    // 2025-10-26 in Berlin runs from 22:00Z on the 25th to 23:00Z on the 26th.
    const clock = wallClock('2025-10-25T21:30:00Z'); // 23:30 CEST on the 25th
    const limiter = quotaLimiter(clock, 1, 'Europe/Berlin');
    assert.equal((await limiter.check(CALL)).allowed, true);
    const before = await limiter.check(CALL);
    assert.equal(!before.allowed && before.retryAfterMs, 30 * 60_000);
    clock.set('2025-10-25T22:00:00Z'); // local midnight; UTC is still on the 25th
    assert.equal((await limiter.check(CALL)).allowed, true);
    clock.set('2025-10-26T22:30:00Z'); // 23:30 CET, 24.5 h later and still the 26th locally
    const late = await limiter.check(CALL);
    assert.equal(!late.allowed && late.retryAfterMs, 30 * 60_000);
    clock.set('2025-10-26T23:00:00Z');
    assert.equal((await limiter.check(CALL)).allowed, true);
  });

  it('counts per calendar day in UTC by default', async () => {
    const clock = wallClock('2025-01-15T23:59:00Z');
    const rules = rateLimitsSchema.parse([{ name: 'd', rate: { tokens: 10, perSeconds: 1 }, daily: 1 }]);
    const limiter = new RateLimiter(rules, clock);
    assert.equal((await limiter.check(CALL)).allowed, true);
    const refused = await limiter.check(CALL);
    assert.equal(!refused.allowed && refused.retryAfterMs, 60_000);
    clock.advance(60_000);
    assert.equal((await limiter.check(CALL)).allowed, true);
  });

  it('ends a day where the local date changes, also where clocks skip midnight', () => {
    // Chile springs forward at 24:00: 2024-09-08 starts at 01:00 local (04:00Z).
    const start = nextDayStart(Date.parse('2024-09-07T12:00:00Z'), 'America/Santiago');
    assert.equal(new Date(start).toISOString(), '2024-09-08T04:00:00.000Z');
    assert.equal(localDay(start, 'America/Santiago'), '2024-09-08');
    assert.equal(localDay(start - 1, 'America/Santiago'), '2024-09-07');
    assert.equal(
      new Date(nextDayStart(Date.parse('2025-03-30T12:00:00Z'), 'Europe/Berlin')).toISOString(),
      '2025-03-30T22:00:00.000Z',
    );
  });
});
