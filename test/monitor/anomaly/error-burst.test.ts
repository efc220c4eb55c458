// anomaly.error_burst: `count` errored calls within the window alert; a repeat within the dedup window is
// counted and reported with the next alert after it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallObservation } from '../../../src/monitor/anomaly/observation.ts';
import { at, BOB, call, toolOf, trained } from './workload.ts';

const query = toolOf(BOB, 'db__query');

function errors(start: number, n: number): CallObservation[] {
  return Array.from({ length: n }, (_, i) =>
    call(BOB, start + i * 4_000, query, { decision: 'errored', bytesOut: 120 }),
  );
}

describe('anomaly.error_burst', () => {
  it('fires on 10 errors within a minute', () => {
    const h = trained();
    const later = h.since();
    h.feed(errors(at(10, 14), 10));
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.error_burst'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'medium');
    assert.equal(alert!.principal, 'https://idp.example|bob');
    assert.equal(alert!.agent, 'cursor');
    assert.deepEqual(alert!.evidence, {
      count: 10,
      windowSeconds: 60,
      spanSeconds: 36,
      lastServer: 'db',
      lastMethod: 'tools/call',
    });
  });

  it('stays quiet on errors spread over the day', () => {
    const h = trained();
    const later = h.since();
    h.feed(
      Array.from({ length: 30 }, (_, i) =>
        call(BOB, at(10, 9) + i * 10 * 60_000, query, { decision: 'errored' }),
      ),
    );
    assert.deepEqual(later(), []);
  });

  it('counts a repeat within the dedup window and reports it after', () => {
    const h = trained();
    const later = h.since();
    h.feed(errors(at(10, 14), 10));
    h.feed(errors(at(10, 14, 40), 10));
    assert.equal(later().length, 1);
    h.feed(errors(at(10, 15, 30), 10));
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.suppressed, 1);
  });
});
