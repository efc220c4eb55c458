// What counts as use: a permit is used by the allowed (and allowed-then-errored) requests whose rule ids name it,
// a tool by every tools/call request event naming it; events after the review's end are not counted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageTally } from '../../src/review/usage.ts';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 86_400_000;

const event = (daysAgo: number, fields: Record<string, unknown>) => ({
  time: new Date(NOW - daysAgo * DAY).toISOString(),
  ...fields,
});

describe('UsageTally', () => {
  it('counts permits by allowed and errored events only', () => {
    const tally = new UsageTally({ fromMs: NOW - 30 * DAY, toMs: NOW });
    tally.add(event(1, { decision: 'allowed', ruleIds: ['policy:a', 'policy:a', 'approval:x'] }));
    tally.add(event(40, { decision: 'allowed', ruleIds: ['policy:a'] }));
    tally.add(event(2, { decision: 'errored', ruleIds: ['policy:b'] }));
    tally.add(event(2, { decision: 'denied', ruleIds: ['policy:c'] }));
    tally.add(event(2, { decision: 'approved', ruleIds: ['policy:d'] }));
    tally.add(event(-1, { decision: 'allowed', ruleIds: ['policy:e'] }));
    tally.add({ time: 'not a time', decision: 'allowed', ruleIds: ['policy:f'] });
    assert.deepEqual(tally.grant('a'), { total: 2, inPeriod: 1, lastMs: NOW - DAY });
    assert.deepEqual(tally.grant('b'), { total: 1, inPeriod: 1, lastMs: NOW - 2 * DAY });
    for (const id of ['c', 'd', 'e', 'f'])
      assert.deepEqual(tally.grant(id), { total: 0, inPeriod: 0, lastMs: undefined });
  });

  it('counts tool calls of every request decision, by server and exposed name', () => {
    const tally = new UsageTally({ fromMs: NOW - 30 * DAY, toMs: NOW });
    const call = (daysAgo: number, decision: string, name = 'fs__read') =>
      tally.add(event(daysAgo, { decision, method: 'tools/call', server: 'fs', name }));
    call(50, 'allowed');
    call(45, 'denied');
    call(3, 'errored', 'fs__write');
    call(3, 'approved', 'fs__delete');
    tally.add(event(1, { decision: 'allowed', method: 'prompts/get', server: 'fs', name: 'fs__prompt' }));
    assert.deepEqual(tally.tool('fs', 'fs__read'), { total: 2, inPeriod: 0, lastMs: NOW - 45 * DAY });
    assert.deepEqual(tally.tool('fs', 'fs__write'), { total: 1, inPeriod: 1, lastMs: NOW - 3 * DAY });
    assert.equal(tally.tool('fs', 'fs__delete').total, 0);
    assert.equal(tally.tool('fs', 'fs__prompt').total, 0);
  });
});
