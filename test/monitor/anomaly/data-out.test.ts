// anomaly.data_out: far more result bytes in a window than a principal+agent usually receives alerts; below
// the absolute floor nothing does; a repeat within the dedup window is counted and reported after it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallObservation } from '../../../src/monitor/anomaly/observation.ts';
import { at, BOB, call, toolOf, trained } from './workload.ts';

const MiB = 1024 * 1024;
const query = toolOf(BOB, 'db__query');

function export_(start: number, n: number, bytesOut: number): CallObservation[] {
  return Array.from({ length: n }, (_, i) => call(BOB, start + i * 30_000, query, { bytesOut }));
}

describe('anomaly.data_out', () => {
  it('fires when a principal+agent pulls 12 MiB in five minutes', () => {
    const h = trained();
    const later = h.since();
    h.feed(export_(at(10, 10), 4, 3 * MiB));
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.data_out'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'high');
    const e = alert!.evidence;
    assert.equal(e['bytes'], 6 * MiB, 'raised on the call that crossed 5 MiB');
    assert.equal(e['windowSeconds'], 300);
    assert.equal(e['thresholdBytes'], 5 * MiB);
    assert.ok((e['baselineBytes'] as number) < 0.5 * MiB, String(e['baselineBytes']));
    assert.match(alert!.message, /^6\.0 MiB returned within 300s, usually about 0\.\d MiB when active$/);
  });

  it('stays quiet under the absolute floor, even at many times the baseline', () => {
    const h = trained();
    const later = h.since();
    h.feed(export_(at(10, 10), 4, 1 * MiB));
    assert.deepEqual(later(), []);
  });

  it('counts a repeat within the dedup window and reports it after', () => {
    const h = trained();
    const later = h.since();
    h.feed(export_(at(10, 10), 4, 3 * MiB));
    h.feed(export_(at(10, 10, 30), 4, 3 * MiB));
    assert.equal(later().length, 1);
    h.feed(export_(at(10, 11, 30), 4, 3 * MiB));
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.suppressed, 1);
  });
});
