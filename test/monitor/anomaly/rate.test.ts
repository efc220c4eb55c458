// anomaly.rate: a burst far above a principal+agent's learned rate alerts once per excursion; a small burst of
// a quiet principal stays under the absolute floor; repeats within the dedup window are counted, not raised.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallObservation } from '../../../src/monitor/anomaly/observation.ts';
import { ALICE, at, call, DAVE, type Persona, toolOf, trained } from './workload.ts';

function burst(persona: Persona, start: number, n: number, spacingMs: number): CallObservation[] {
  const tool = toolOf(persona, 'fs__read_file');
  return Array.from({ length: n }, (_, i) => call(persona, start + i * spacingMs, tool));
}

describe('anomaly.rate', () => {
  it('fires once when a principal+agent calls far faster than it ever does', () => {
    const h = trained();
    const later = h.since();
    h.feed(burst(ALICE, at(10, 10), 100, 500));
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.rate'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'medium');
    assert.equal(alert!.principal, 'https://idp.example|alice');
    assert.equal(alert!.agent, 'claude-code');
    assert.equal(alert!.suppressed, 0);
    const e = alert!.evidence;
    assert.equal(e['windowSeconds'], 60);
    assert.equal(e['thresholdCalls'], 30, 'the absolute floor, above 5 × a baseline of a few calls');
    assert.equal(e['calls'], 31, 'raised on the first call over the threshold');
    assert.ok(
      (e['baselineCalls'] as number) > 0 && (e['baselineCalls'] as number) < 6,
      String(e['baselineCalls']),
    );
    assert.match(alert!.message, /^31 calls within 60s, usually about [\d.]+ when active$/);
    assert.ok(alert!.dedupKey.startsWith('anomaly.rate|https://idp.example|alice|claude-code|'));
  });

  it('stays quiet on a small burst of a quiet principal', () => {
    const h = trained();
    const later = h.since();
    h.feed(burst(DAVE, at(10, 10), 20, 1000));
    assert.deepEqual(later(), []);
  });

  it('raises a repeat within the dedup window once, counting it, after the window', () => {
    const h = trained();
    const later = h.since();
    h.feed(burst(ALICE, at(10, 10), 100, 500));
    h.feed(burst(ALICE, at(10, 10, 20), 100, 500));
    assert.equal(later().length, 1, 'the second burst is suppressed');
    h.feed(burst(ALICE, at(10, 11, 10), 100, 500));
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.rule, 'anomaly.rate');
    assert.equal(alerts[1]!.suppressed, 1);
    assert.equal(alerts[1]!.dedupKey, alerts[0]!.dedupKey);
  });
});
