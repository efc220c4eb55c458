// anomaly.unusual_hour: once a principal+agent has a daily rhythm, a call in an hour it (almost) never works in
// alerts, once per clock hour; an hour next to its usual ones does not; the configured offset sets the hours.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALICE, at, call, testConfig, toolOf, trained } from './workload.ts';

const read = toolOf(ALICE, 'fs__read_file');

describe('anomaly.unusual_hour', () => {
  it('fires on a call at 3 a.m. from an office-hours principal, once per clock hour', () => {
    const h = trained();
    const later = h.since();
    h.feed([call(ALICE, at(10, 3, 10), read), call(ALICE, at(10, 3, 40), read)]);
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.unusual_hour'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'low');
    assert.deepEqual(alert!.evidence, {
      hour: 3,
      timeZoneOffsetMinutes: 0,
      daysActiveInHour: 0,
      daysActiveNearHour: 0,
      activeDays: 8,
    });
    assert.match(alert!.message, /^activity at 03:00–04:00 UTC, /);
  });

  it('stays quiet an hour before the usual start', () => {
    const h = trained();
    const later = h.since();
    h.feed([call(ALICE, at(10, 7, 20), read)]);
    assert.deepEqual(later(), []);
  });

  it('counts unusual hours within the dedup window and reports them with the next alert', () => {
    const h = trained();
    const later = h.since();
    h.feed([call(ALICE, at(10, 3, 30), read), call(ALICE, at(10, 4, 5), read)]);
    assert.equal(later().length, 1, '04:05 is within an hour of the 03:30 alert');
    h.feed([call(ALICE, at(10, 5, 20), read)]);
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.suppressed, 1);
    assert.equal(alerts[1]!.evidence['hour'], 5);
  });

  it('judges hours in the configured time zone', () => {
    const h = trained(10, testConfig({ timeZoneOffsetMinutes: 90 }));
    const later = h.since();
    h.feed([call(ALICE, at(10, 3, 10), read)]);
    const [alert] = later();
    assert.equal(alert!.evidence['hour'], 4);
    assert.equal(alert!.evidence['timeZoneOffsetMinutes'], 90);
    assert.match(alert!.message, /^activity at 04:00–05:00 UTC\+01:30, /);
  });
});
