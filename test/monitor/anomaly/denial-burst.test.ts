// anomaly.denial_burst: `count` denied calls within the window alert (probing); fewer do not; a second burst
// within the dedup window is counted and reported with the next alert after it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallObservation } from '../../../src/monitor/anomaly/observation.ts';
import { ALICE, at, call, trained } from './workload.ts';

function denials(start: number, n: number): CallObservation[] {
  return Array.from({ length: n }, (_, i) =>
    call(
      ALICE,
      start + i * 3_000,
      { server: 'admin', name: `admin__tool_${i}` },
      { decision: 'denied', bytesOut: 0 },
    ),
  );
}

describe('anomaly.denial_burst', () => {
  it('fires on 10 denials within a minute', () => {
    const h = trained();
    const later = h.since();
    h.feed(denials(at(10, 10), 10));
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.denial_burst'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'high');
    assert.deepEqual(alert!.evidence, {
      count: 10,
      windowSeconds: 60,
      spanSeconds: 27,
      lastServer: 'admin',
      lastMethod: 'tools/call',
    });
    assert.match(alert!.message, /^10 denied calls within 27s \(limit 10 per 60s\)/);
  });

  it('stays quiet on 9 denials, and on 10 spread over more than the window', () => {
    const h = trained();
    const later = h.since();
    h.feed(denials(at(10, 10), 9));
    h.feed(
      Array.from({ length: 10 }, (_, i) =>
        call(ALICE, at(10, 11) + i * 10_000, { server: 'admin', name: 'admin__x' }, { decision: 'denied' }),
      ),
    );
    assert.deepEqual(later(), []);
  });

  it('counts a repeat within the dedup window and reports it after', () => {
    const h = trained();
    const later = h.since();
    h.feed(denials(at(10, 10), 10));
    h.feed(denials(at(10, 10, 30), 10));
    assert.equal(later().length, 1);
    h.feed(denials(at(10, 11, 30), 10));
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.rule, 'anomaly.denial_burst');
    assert.equal(alerts[1]!.suppressed, 1);
  });
});
