// Normal traffic stays quiet: three weeks of the fixture workload (five principals+agents, office hours and a
// round-the-clock CI job, bursts, denials, errors, big results, private reads and sends in separate sessions)
// raise no alert under the default thresholds, during the learning period and long after it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnomalyDetector } from '../../../src/monitor/anomaly/detector.ts';
import { DAY, harness, PERSONAS, START, testConfig, workload } from './workload.ts';

describe('anomaly detector on the fixture workload', () => {
  it('raises nothing over three weeks with the default thresholds', () => {
    const calls = workload(21);
    assert.ok(calls.length > 30_000, `a busy workload (${calls.length} calls)`);
    assert.ok(calls.at(-1)!.timeMs - START > 20 * DAY, 'well past the default learning period of 7 days');
    const h = harness();
    h.feed(calls);
    assert.deepEqual(
      h.alerts.map((a) => `${a.rule} ${a.agent} ${a.time}: ${a.message}`),
      [],
    );
    assert.deepEqual(h.errors, []);
    assert.equal(h.detector.stats().principals, PERSONAS.length);
  });

  it('raises nothing for other seeds of the same workload either', () => {
    for (const seed of [1, 7, 2026]) {
      const h = harness();
      h.feed(workload(14, seed));
      assert.deepEqual(
        h.alerts.map((a) => a.message),
        [],
        `seed ${seed}`,
      );
    }
  });

  it('raises nothing in another time zone', () => {
    const h = harness(testConfig({ timeZoneOffsetMinutes: -300 }));
    h.feed(workload(14));
    assert.deepEqual(h.alerts, []);
  });

  it('does nothing when disabled', () => {
    let raised = 0;
    const detector = new AnomalyDetector(testConfig({ enabled: false }), {
      now: () => START,
      onAlert: () => raised++,
    });
    for (const obs of workload(3)) detector.observe({ ...obs, decision: 'denied' });
    assert.equal(raised, 0);
    assert.equal(detector.stats().principals, 0);
  });
});
