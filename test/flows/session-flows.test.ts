// A session's flow: the union of what it touched with who contributed each label, per session or caller, bounded
// in size and forgotten when idle or closed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Principal } from '../../src/auth/principal.ts';
import { flowKeyOf, SessionFlows } from '../../src/flows/session-flows.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

const principal = (subject: string, clientId?: string) =>
  ({ issuer: 'https://idp.example', subject, clientId }) as Principal;

describe('session flows', () => {
  it('accumulates labels with their contributors and reports which were new', () => {
    const flows = new SessionFlows({ idleMs: 60_000, maxTracked: 100 });
    assert.deepEqual(flows.add('s', 'crm__read', [{ label: 'private_data', via: 'config' }]), [
      'private_data',
    ]);
    assert.deepEqual(
      flows.add('s', 'web__fetch', [
        { label: 'untrusted_input', via: 'annotation' },
        { label: 'private_data', via: 'config' },
      ]),
      ['untrusted_input'],
    );
    // The same contribution twice is one source.
    flows.add('s', 'crm__read', [{ label: 'private_data', via: 'config' }]);
    assert.deepEqual(flows.labels('s'), ['private_data', 'untrusted_input']);
    assert.deepEqual(flows.sources('s'), {
      private_data: [
        { item: 'crm__read', via: 'config' },
        { item: 'web__fetch', via: 'config' },
      ],
      untrusted_input: [{ item: 'web__fetch', via: 'annotation' }],
    });
    assert.deepEqual(flows.labels('other'), []);
    assert.deepEqual(flows.add('s', 'x', []), []);
  });

  it('keeps at most eight contributors per label', () => {
    const flows = new SessionFlows({ idleMs: 60_000, maxTracked: 100 });
    for (let i = 0; i < 20; i++) flows.add('s', `t${i}`, [{ label: 'private_data', via: 'config' }]);
    assert.equal(flows.sources('s')['private_data']?.length, 8);
  });

  it('forgets a flow after the idle time, and at once when its session closes', () => {
    const c = clock();
    const flows = new SessionFlows({ idleMs: 1000, maxTracked: 100, now: c.now });
    flows.add('a', 't', [{ label: 'private_data', via: 'config' }]);
    flows.add('b', 't', [{ label: 'private_data', via: 'config' }]);
    c.advance(999);
    assert.deepEqual(flows.labels('a'), ['private_data']); // and this read keeps it alive
    c.advance(1);
    assert.deepEqual(flows.labels('b'), []);
    assert.deepEqual(flows.labels('a'), ['private_data']);
    flows.forget('a');
    assert.deepEqual(flows.labels('a'), []);
  });

  it('drops the longest idle flow first at the bound, and says so', () => {
    const c = clock();
    const evicted: string[] = [];
    const flows = new SessionFlows({
      idleMs: 60_000,
      maxTracked: 3,
      now: c.now,
      onEvicted: (k) => evicted.push(k),
    });
    for (const key of ['a', 'b', 'c']) {
      flows.add(key, 't', [{ label: 'private_data', via: 'config' }]);
      c.advance(10);
    }
    flows.labels('a'); // a is used again: b is now the idlest
    flows.add('d', 't', [{ label: 'private_data', via: 'config' }]);
    assert.equal(flows.size, 3);
    assert.deepEqual(evicted, ['b']);
    assert.deepEqual(flows.labels('a'), ['private_data']);
    assert.deepEqual(flows.labels('b'), []);
  });

  it('drops expired flows before counting toward the bound (no eviction is reported for them)', () => {
    const c = clock();
    const evicted: string[] = [];
    const flows = new SessionFlows({
      idleMs: 100,
      maxTracked: 2,
      now: c.now,
      onEvicted: (k) => evicted.push(k),
    });
    flows.add('a', 't', [{ label: 'x', via: 'config' }]);
    flows.add('b', 't', [{ label: 'x', via: 'config' }]);
    c.advance(100);
    flows.add('c', 't', [{ label: 'x', via: 'config' }]);
    assert.equal(flows.size, 1);
    assert.deepEqual(evicted, []);
  });

  it('keys a request by its 2025-11-25 session, else by its caller', () => {
    assert.deepEqual(flowKeyOf({ sessionId: 'abc', principal: principal('alice') }), {
      key: 'session:abc',
      scope: 'session',
    });
    const alice = flowKeyOf({ sessionId: undefined, principal: principal('alice', 'app') });
    assert.equal(alice.scope, 'caller');
    assert.notEqual(alice.key, flowKeyOf({ sessionId: undefined, principal: principal('bob', 'app') }).key);
    assert.notEqual(
      alice.key,
      flowKeyOf({ sessionId: undefined, principal: principal('alice', 'other') }).key,
    );
    // Without authentication every stateless caller is the one anonymous caller (stricter, never looser).
    assert.deepEqual(flowKeyOf({ sessionId: undefined, principal: undefined }), {
      key: 'caller:anonymous',
      scope: 'caller',
    });
  });
});
