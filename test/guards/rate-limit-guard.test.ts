// The rate-limit guard refuses a call over a limit with RAMPART_RATE_LIMITED: the error names the rule and
// carries whole seconds to wait (rounded up), and the event is recorded as denied with `rate-limit:<name>`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../src/auth/principal.ts';
import { rateLimitsSchema } from '../../src/config/rate-limits-schema.ts';
import type { DownstreamCall } from '../../src/core/call.ts';
import { JSONRPC, RampartError } from '../../src/errors.ts';
import { Pipeline, type RequestEvent } from '../../src/guards/pipeline.ts';
import { rateLimitGuard } from '../../src/guards/rate-limit-guard.ts';
import { wallClock } from '../policy/rate-limit/clock.ts';

function principal(subject: string, agent?: string): Principal {
  return {
    issuer: 'https://idp.test',
    subject,
    clientId: 'client',
    agent,
    groups: [],
    roles: [],
    tenant: undefined,
    scopes: [],
    binding: 'bearer',
    tokenId: undefined,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

function call(who: Principal | undefined, name = 'fx__echo'): DownstreamCall {
  return {
    era: 'legacy',
    id: 1,
    method: 'tools/call',
    params: { name, arguments: {} },
    protocolVersion: '2025-11-25',
    clientCapabilities: {},
    clientInfo: undefined,
    logLevel: undefined,
    sessionId: 's1',
    signal: new AbortController().signal,
    trace: { server: 'fx' },
    principal: who,
    subjectToken: undefined,
    paramHeaders: {},
    notify: () => undefined,
    sendRequest: undefined,
  };
}

function setup(rules: Record<string, unknown>[]) {
  const clock = wallClock();
  const events: RequestEvent[] = [];
  const guard = rateLimitGuard(rateLimitsSchema.parse(rules), clock);
  const pipeline = new Pipeline([guard], { record: (e) => void events.push(e) });
  const run = (c: DownstreamCall) =>
    pipeline
      .run(c, async () => async () => ({ content: [] }))
      .then(
        () => undefined,
        (err: unknown) => err,
      );
  return { run, events, advance: (ms: number) => clock.advance(ms) };
}

describe('rate-limit guard', () => {
  it('denies over the limit with RAMPART_RATE_LIMITED, the rule and the seconds to wait', async () => {
    const { run, events, advance } = setup([{ name: 'per-user', rate: { tokens: 2, perSeconds: 3 } }]);
    const alice = principal('alice');
    assert.equal(await run(call(alice)), undefined);
    assert.equal(await run(call(alice)), undefined);
    const err = await run(call(alice));
    assert.ok(err instanceof RampartError);
    assert.equal(err.code, 'RAMPART_RATE_LIMITED');
    assert.equal(err.http, 429);
    assert.equal(err.rpc, JSONRPC.SERVER_ERROR - 17);
    // One token every 1.5 s: 1500 ms rounds up to 2 s.
    assert.deepEqual(err.toJsonRpc().data, {
      code: 'RAMPART_RATE_LIMITED',
      rule: 'per-user',
      limit: 'rate',
      retryAfterSeconds: 2,
      ruleId: 'rate-limit:per-user',
    });
    const denied = events.at(-1)!;
    assert.equal(denied.decision, 'denied');
    assert.equal(denied.code, 'RAMPART_RATE_LIMITED');
    assert.deepEqual(denied.ruleIds, ['rate-limit:per-user']);
    assert.deepEqual(
      events.map((e) => e.decision),
      ['allowed', 'allowed', 'denied'],
    );

    // Another principal has its own bucket; alice gets one more call after 1.5 s.
    assert.equal(await run(call(principal('bob'))), undefined);
    advance(1500);
    assert.equal(await run(call(alice)), undefined);
  });

  it('counts calls without a principal as "anonymous" and records every refusing rule', async () => {
    const { run, events } = setup([
      { name: 'anon', rate: { tokens: 1, perSeconds: 10 }, match: { principals: ['anonymous'] } },
      { name: 'all', rate: { tokens: 1, perSeconds: 1 } },
    ]);
    assert.equal(await run(call(undefined)), undefined);
    const err = await run(call(undefined));
    assert.ok(err instanceof RampartError);
    assert.equal(err.data?.['rule'], 'anon');
    assert.equal(err.data?.['retryAfterSeconds'], 10);
    assert.deepEqual(events.at(-1)!.ruleIds, ['rate-limit:anon', 'rate-limit:all']);
    // An authenticated caller is not matched by `anon` and has its own `all` bucket.
    assert.equal(await run(call(principal('alice', 'bot'))), undefined);
  });
});
