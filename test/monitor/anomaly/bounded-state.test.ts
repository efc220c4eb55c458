// The detector's memory is bounded: a flood of distinct principals, agents or sessions is capped by the
// config, long caller-chosen names are shortened in keys, and a failing onAlert never reaches the caller.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deduplicator } from '../../../src/monitor/anomaly/dedup.ts';
import { AnomalyDetector } from '../../../src/monitor/anomaly/detector.ts';
import { BoundedLru } from '../../../src/monitor/anomaly/lru.ts';
import { keyPart } from '../../../src/monitor/anomaly/observation.ts';
import { at, CAROL, call, START, testConfig, toolOf } from './workload.ts';

describe('bounded anomaly state', () => {
  it('keeps at most maxPrincipals baselines and maxSessions sequences under a flood', () => {
    const config = testConfig({ maxPrincipals: 100, maxSessions: 50, maxTargetsPerPrincipal: 8 });
    const detector = new AnomalyDetector(config, { now: () => START, onAlert: () => {} });
    const read = toolOf(CAROL, 'hr__get_employee');
    for (let i = 0; i < 20_000; i++) {
      detector.observe(
        call(
          CAROL,
          at(0, 10) + i,
          { ...read, name: `hr__tool_${i}` },
          {
            principal: `https://idp.example|user-${i}`,
            agent: `agent-${i}-${'x'.repeat(i % 7 === 0 ? 10_000 : 1)}`,
            sessionId: `session-${i}`,
            decision: i % 2 === 0 ? 'denied' : 'allowed',
          },
        ),
      );
    }
    const stats = detector.stats();
    assert.ok(stats.principals <= 100, `principals ${stats.principals}`);
    assert.ok(stats.sessions <= 50, `sessions ${stats.sessions}`);
    assert.ok(stats.dedupKeys <= 400, `dedup keys ${stats.dedupKeys}`);
  });

  it('shortens long key parts without merging different ones', () => {
    const long = 'a'.repeat(5_000);
    assert.equal(keyPart('short'), 'short');
    assert.ok(keyPart(long).length <= 200);
    assert.notEqual(keyPart(`${long}1`), keyPart(`${long}2`));
  });

  it('reports a throwing onAlert to onError and keeps going', () => {
    const errors: unknown[] = [];
    let raised = 0;
    const detector = new AnomalyDetector(testConfig({ rules: { denialBurst: { count: 2 } } }), {
      now: () => START,
      onAlert: () => {
        raised++;
        throw new Error('sink down');
      },
      onError: (err) => errors.push(err),
    });
    const denied = call(CAROL, START, toolOf(CAROL, 'hr__get_employee'), { decision: 'denied' });
    assert.doesNotThrow(() => {
      for (let i = 0; i < 4; i++) detector.observe({ ...denied, timeMs: START + i });
    });
    assert.equal(raised, 1, 'the second burst is within the dedup window');
    assert.equal(errors.length, 1);
  });
});

describe('BoundedLru and Deduplicator', () => {
  it('evicts the least recently used entry', () => {
    const lru = new BoundedLru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    assert.equal(lru.has('b'), false);
    assert.equal(lru.get('a'), 1);
    assert.equal(lru.size, 2);
  });

  it('raises once per window per key and carries the suppressed count to the next raise', () => {
    const dedup = new Deduplicator(1_000, 10);
    assert.deepEqual(dedup.admit('k', 0), { raise: true, suppressed: 0 });
    assert.deepEqual(dedup.admit('k', 500), { raise: false, suppressed: 1 });
    assert.deepEqual(dedup.admit('k', 999), { raise: false, suppressed: 2 });
    assert.deepEqual(dedup.admit('other', 999), { raise: true, suppressed: 0 });
    assert.deepEqual(dedup.admit('k', 1_000), { raise: true, suppressed: 2 });
    assert.deepEqual(dedup.admit('k', 2_500), { raise: true, suppressed: 0 });
    const off = new Deduplicator(0, 10);
    assert.deepEqual(off.admit('k', 0), { raise: true, suppressed: 0 });
    assert.deepEqual(off.admit('k', 0), { raise: true, suppressed: 0 });
  });
});
