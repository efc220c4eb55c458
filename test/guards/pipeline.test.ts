// The pipeline runs guards in phase order, lets them rewrite, denies on a deny or a throw (fail closed), and
// records exactly one event per request whatever happens.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DownstreamCall } from '../../src/core/call.ts';
import { RampartError } from '../../src/errors.ts';
import { type Guard, Pipeline, type RequestEvent } from '../../src/guards/pipeline.ts';

function call(params: Record<string, unknown> = { name: 'fs__read' }): DownstreamCall {
  return {
    era: 'legacy',
    id: 7,
    method: 'tools/call',
    params,
    protocolVersion: '2025-11-25',
    clientCapabilities: {},
    clientInfo: undefined,
    logLevel: undefined,
    sessionId: 's1',
    signal: new AbortController().signal,
    trace: { server: 'fs' },
    principal: undefined,
    subjectToken: undefined,
    paramHeaders: {},
    notify: () => undefined,
    sendRequest: undefined,
  };
}

function frozenClock(): () => number {
  let t = 0;
  return () => (t += 1);
}

describe('pipeline', () => {
  it('runs authenticate, route, request, upstream and response in order and records one allowed event', async () => {
    const order: string[] = [];
    const guard = (name: string, phase: Guard['phase']): Guard => ({
      name,
      phase,
      check: (ctx) => {
        // Request guards must see the routed server (route runs before them).
        order.push(phase === 'request' ? `${name}:${ctx.call.trace.server}` : name);
        return { kind: 'pass' };
      },
    });
    const events: RequestEvent[] = [];
    const pipeline = new Pipeline(
      [guard('response', 'response'), guard('request', 'request'), guard('auth', 'authenticate')],
      { record: (e) => void events.push(e) },
      frozenClock(),
    );
    const request = call();
    request.trace.server = undefined;
    const result = await pipeline.run(request, async () => {
      order.push('route');
      request.trace.server = 'fs';
      return async () => {
        order.push('upstream');
        return { ok: true };
      };
    });
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(order, ['auth', 'route', 'request:fs', 'upstream', 'response']);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.decision, 'allowed');
    assert.equal(events[0]!.server, 'fs');
    assert.equal(events[0]!.name, 'fs__read');
    assert.ok(events[0]!.timings.totalMs > 0);
  });

  it('passes rewritten params on and rewrites results', async () => {
    const pipeline = new Pipeline(
      [
        { name: 'rewrite', phase: 'request', check: () => ({ kind: 'mutate', value: { name: 'changed' } }) },
        { name: 'redact', phase: 'response', check: () => ({ kind: 'mutate', value: { redacted: true } }) },
      ],
      { record: () => undefined },
    );
    let seen: unknown;
    const result = await pipeline.run(call(), async () => async (params) => {
      seen = params;
      return { secret: 1 };
    });
    assert.deepEqual(seen, { name: 'changed' });
    assert.deepEqual(result, { redacted: true });
  });

  it('denies with the guard code and rule id, and never calls the upstream', async () => {
    const events: RequestEvent[] = [];
    const pipeline = new Pipeline(
      [
        {
          name: 'policy',
          phase: 'request',
          check: () => ({ kind: 'deny', code: 'RAMPART_UNKNOWN_TOOL', ruleId: 'policy:1', reason: 'no' }),
        },
      ],
      { record: (e) => void events.push(e) },
    );
    let called = false;
    await assert.rejects(
      pipeline.run(call(), async () => async () => {
        called = true;
        return {};
      }),
      (err: unknown) =>
        err instanceof RampartError &&
        err.code === 'RAMPART_UNKNOWN_TOOL' &&
        err.data?.['ruleId'] === 'policy:1',
    );
    assert.equal(called, false);
    assert.equal(events[0]!.decision, 'denied');
    assert.deepEqual(events[0]!.ruleIds, ['policy:1']);
  });

  it('fails closed when a guard throws', async () => {
    const pipeline = new Pipeline(
      [
        {
          name: 'broken',
          phase: 'authenticate',
          check: () => {
            throw new Error('store down');
          },
        },
      ],
      { record: () => undefined },
    );
    await assert.rejects(
      pipeline.run(call(), async () => async () => ({})),
      { code: 'RAMPART_INTERNAL' },
    );
  });

  it('records upstream failures as errored with their code', async () => {
    const events: RequestEvent[] = [];
    const pipeline = new Pipeline([], { record: (e) => void events.push(e) });
    await assert.rejects(
      pipeline.run(
        call(),
        async () => async () => Promise.reject(new RampartError('RAMPART_UPSTREAM_TIMEOUT')),
      ),
    );
    assert.equal(events[0]!.decision, 'errored');
    assert.equal(events[0]!.code, 'RAMPART_UPSTREAM_TIMEOUT');
  });
});
