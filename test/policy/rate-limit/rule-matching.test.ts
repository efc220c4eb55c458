// Rules count only the calls they match (principal, agent, group, server, tool glob, method), keep one bucket
// per value of their `per` dimensions, and a call must pass every matching rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rateLimitsSchema } from '../../../src/config/rate-limits-schema.ts';
import { type RateLimitedCall, RateLimiter } from '../../../src/policy/rate-limit/limiter.ts';
import { wallClock } from './clock.ts';

const clock = wallClock();

function call(overrides: Partial<RateLimitedCall> = {}): RateLimitedCall {
  return {
    method: 'tools/call',
    principal: { issuer: 'https://idp.test', subject: 'alice' },
    agent: undefined,
    groups: [],
    server: 'fx',
    name: 'fx__echo',
    ...overrides,
  };
}

function limiter(...rules: Record<string, unknown>[]) {
  return new RateLimiter(rateLimitsSchema.parse(rules), clock);
}

/** How many of `n` calls pass (the clock is frozen, so nothing refills). */
async function passes(l: RateLimiter, c: RateLimitedCall, n = 5): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await l.check(c)).allowed) allowed++;
  return allowed;
}

const ONE = { tokens: 1, perSeconds: 60 };

describe('rate-limit rule matching', () => {
  it('keeps one bucket per principal by default; unauthenticated calls share "anonymous"', async () => {
    const l = limiter({ name: 'r', rate: ONE });
    assert.equal(await passes(l, call()), 1);
    assert.equal(await passes(l, call({ principal: { issuer: 'https://idp.test', subject: 'bob' } })), 1);
    // The same subject from another issuer is another caller.
    assert.equal(await passes(l, call({ principal: { issuer: 'https://other.test', subject: 'alice' } })), 1);
    assert.equal(await passes(l, call({ principal: undefined })), 1);
    assert.equal(await passes(l, call({ principal: undefined })), 0);
  });

  it('keeps one bucket per principal and tool with per: [principal, tool]', async () => {
    const l = limiter({ name: 'r', rate: ONE, per: ['principal', 'tool'] });
    assert.equal(await passes(l, call({ name: 'fx__echo' })), 1);
    assert.equal(await passes(l, call({ name: 'fx__add' })), 1);
    assert.equal(await passes(l, call({ name: 'fx__echo' })), 0);
  });

  it('shares one bucket among all callers with per: [server]', async () => {
    const l = limiter({ name: 'r', rate: { tokens: 2, perSeconds: 60 }, per: ['server'] });
    assert.equal(await passes(l, call(), 1), 1);
    assert.equal(await passes(l, call({ principal: { issuer: 'https://idp.test', subject: 'bob' } })), 1);
    assert.equal(await passes(l, call({ server: 'other', name: 'other__x' })), 2);
  });

  it('counts only tools/call by default and only the listed methods otherwise', async () => {
    const l = limiter(
      { name: 'calls', rate: ONE },
      { name: 'reads', rate: ONE, match: { methods: ['resources/read'] } },
    );
    assert.equal(await passes(l, call({ method: 'tools/list', name: undefined })), 5);
    assert.equal(await passes(l, call()), 1);
    assert.equal(await passes(l, call({ method: 'resources/read', name: 'file:///a' })), 1);
  });

  it('matches tools exactly or by a trailing * prefix, and servers, agents, groups and subjects', async () => {
    const l = limiter(
      { name: 'glob', rate: ONE, per: ['tool'], match: { tools: ['gh__*', 'fx__echo'] } },
      { name: 'srv', rate: ONE, match: { servers: ['db'] } },
      { name: 'agent', rate: ONE, match: { agents: ['bot'] } },
      { name: 'group', rate: ONE, match: { groups: ['interns'] } },
      { name: 'subject', rate: ONE, match: { principals: ['anonymous'] } },
    );
    assert.equal(await passes(l, call({ server: 'gh', name: 'gh__issues' })), 1);
    assert.equal(await passes(l, call({ server: 'gh', name: 'gh__pulls' })), 1, 'its own bucket per tool');
    assert.equal(await passes(l, call({ name: 'fx__echo' })), 1);
    assert.equal(await passes(l, call({ name: 'fx__echo2' })), 5, 'not a prefix match without *');
    assert.equal(await passes(l, call({ server: 'db', name: 'db__q' })), 1);
    assert.equal(await passes(l, call({ name: 'fx__add', agent: 'bot' })), 1);
    assert.equal(await passes(l, call({ name: 'fx__add', agent: 'other' })), 5);
    assert.equal(await passes(l, call({ name: 'fx__add', groups: ['staff', 'interns'] })), 1);
    assert.equal(await passes(l, call({ name: 'fx__add', principal: undefined })), 1);
  });

  it('refuses a call over any matching rule, names the one that waits longest, and charges none', async () => {
    const l = limiter(
      { name: 'fast', rate: { tokens: 1, perSeconds: 1 } },
      { name: 'slow', rate: { tokens: 1, perSeconds: 60 } },
    );
    assert.equal((await l.check(call())).allowed, true);
    const refused = await l.check(call());
    assert.deepEqual(refused, {
      allowed: false,
      rule: 'slow',
      limit: 'rate',
      retryAfterMs: 60_000,
      rules: ['slow', 'fast'],
    });
    // A second later `fast` holds a token again, and a call refused by `slow` does not take it.
    clock.advance(1000);
    for (let i = 0; i < 3; i++) {
      const again = await l.check(call());
      assert.deepEqual(!again.allowed && again.rules, ['slow']);
    }
  });
});
