// Scheduled reviews on a frozen clock, without sleeping: the timer is injected and fired by hand. A review runs
// when due (from the last stored scheduled report, so across restarts), never twice at once; a report with
// findings raises a `review.findings` alert that the audit log records as `alert_raised`, one without does not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditLog, openAuditStore } from '../../src/audit/open.ts';
import { AlertHub } from '../../src/monitor/alert-hub.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import { ReviewStore } from '../../src/review/review-store.ts';
import { ReviewScheduler, scheduledReviews, type Timers } from '../../src/review/scheduler.ts';
import { buildFixture } from './fixture.ts';
import { configDirOf, fixtureConfig } from './helpers.ts';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const HOUR = 3_600_000;

/** Timers that only fire when told to. */
function manualTimers() {
  const state = { fn: undefined as (() => void) | undefined, ms: 0, unrefs: 0, cleared: 0 };
  const timers: Timers = {
    setInterval(fn, ms) {
      state.fn = fn;
      state.ms = ms;
      return {
        unref() {
          state.unrefs++;
        },
      };
    },
    clearInterval() {
      state.cleared++;
    },
  };
  return { timers, state };
}

async function auditEvents(stateDir: string): Promise<Record<string, unknown>[]> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const events: Record<string, unknown>[] = [];
      for await (const entry of reader.entries()) events.push(parseLeaf(entry.leaf)!.event);
      return events;
    });
  } finally {
    await store.close();
  }
}

describe('ReviewScheduler', () => {
  it('runs when due, measured from the last run, and never twice at once', async () => {
    let clock = NOW;
    let last: number | undefined;
    let release: () => void = () => undefined;
    const runs: number[] = [];
    const { timers, state } = manualTimers();
    const scheduler = new ReviewScheduler({
      intervalMs: 24 * HOUR,
      now: () => clock,
      lastRun: () => last,
      review: (now) => {
        runs.push(now);
        return new Promise<void>((resolve) => {
          release = () => {
            last = now;
            resolve();
          };
        });
      },
      onError: (err) => assert.fail(String(err)),
      timers,
    });
    scheduler.start();
    // A day's interval is checked every 15 minutes; the timer does not keep the process alive.
    assert.equal(state.ms, 15 * 60_000);
    assert.equal(state.unrefs, 1);
    const first = scheduler.tick();
    // While one runs, a tick joins it instead of starting another.
    assert.equal(scheduler.tick(), first);
    release();
    assert.equal(await first, true);
    assert.deepEqual(runs, [NOW]);
    clock += 24 * HOUR - 1;
    state.fn!();
    assert.equal(await scheduler.tick(), false);
    clock += 1;
    const second = scheduler.tick();
    release();
    assert.equal(await second, true);
    assert.deepEqual(runs, [NOW, NOW + 24 * HOUR]);
    await scheduler.stop();
    assert.equal(state.cleared, 1);
  });

  it('reports a failed review and tries again at the next check', async () => {
    const errors: unknown[] = [];
    let fail = true;
    const scheduler = new ReviewScheduler({
      intervalMs: HOUR,
      now: () => NOW,
      lastRun: () => undefined,
      review: async () => {
        if (fail) throw new Error('policy files do not load');
      },
      onError: (err) => errors.push(err),
      timers: manualTimers().timers,
    });
    assert.equal(await scheduler.tick(), false);
    assert.equal(errors.length, 1);
    fail = false;
    assert.equal(await scheduler.tick(), true);
  });
});

describe('scheduledReviews', () => {
  it('is off without review.intervalHours', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const config = fixtureConfig(fixture);
    const hub = { raiseSystem: () => assert.fail('no alert expected') };
    const log = createLogger('silent');
    const off = scheduledReviews({
      config,
      configDir: configDirOf(fixture),
      stateDir: fixture.stateDir,
      alerts: hub,
      log,
    });
    assert.equal(off, undefined);
  });

  it('stores each report and raises a review.findings alert, recorded in the audit log', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const base = fixtureConfig(fixture);
    const config = { ...base, review: { ...base.review, intervalHours: 24 } };
    let clock = NOW;
    const audit = await openAuditLog(fixture.stateDir, { now: () => clock });
    const lines: string[] = [];
    const log = createLogger('info', {}, (line) => lines.push(line));
    const alerts = new AlertHub({ log, audit: () => audit, now: () => clock });
    const { timers, state } = manualTimers();
    const scheduler = scheduledReviews({
      config,
      configDir: configDirOf(fixture),
      stateDir: fixture.stateDir,
      alerts,
      log,
      now: () => clock,
      timers,
    })!;
    scheduler.start();
    assert.equal(await scheduler.tick(), true);
    // Not due again until a day has passed; a new scheduler (a restart) knows that from the stored report.
    clock += HOUR;
    assert.equal(await scheduler.tick(), false);
    await scheduler.stop();
    const restarted = scheduledReviews({
      config,
      configDir: configDirOf(fixture),
      stateDir: fixture.stateDir,
      alerts,
      log,
      now: () => clock,
      timers,
    })!;
    restarted.start();
    assert.equal(await restarted.tick(), false);
    clock = NOW + 24 * HOUR;
    // The timer fires; the tick after it joins the review the timer started.
    state.fn!();
    assert.equal(await restarted.tick(), true);
    await restarted.stop();
    await audit.close();

    const store = ReviewStore.open(fixture.stateDir);
    const history = store.list();
    store.close();
    assert.deepEqual(
      history.map((r) => [r.time, r.source, r.summary.findings]),
      // A day later the events after the first review's end (mail sent, docs searched) count as well.
      [
        [NOW + 24 * HOUR, 'schedule', 8],
        [NOW, 'schedule', 12],
      ],
    );
    const raised = (await auditEvents(fixture.stateDir)).filter((e) => e['decision'] === 'alert_raised');
    assert.equal(raised.length, 2);
    const detail = raised[0]!['detail'] as Record<string, unknown>;
    assert.equal(detail['rule'], 'review.findings');
    assert.deepEqual(raised[0]!['ruleIds'], ['review.findings']);
    assert.deepEqual(detail['evidence'], {
      report: history[1]!.id,
      findings: 12,
      'grant.unused': 2,
      'tool.never_called': 2,
      'tool.unused': 1,
      'approval.stale': 4,
      'server.unsigned': 2,
      'server.unsandboxed': 1,
    });
    assert.equal(raised[0]!['time'], new Date(NOW).toISOString());
  });

  it('stores a report without findings and raises no alert', async (t) => {
    const fixture = await buildFixture(t, NOW);
    const base = fixtureConfig(fixture);
    // Only the signed HTTP server, no policies, and a state directory without pins or audit log: nothing to find.
    const { policy: _policy, ...rest } = base;
    const stateDir = `${fixture.stateDir}-fresh`;
    const config = {
      ...rest,
      stateDir,
      servers: base.servers.filter((s) => s.name === 'docs'),
      review: { ...base.review, intervalHours: 1 },
    };
    const lines: string[] = [];
    const scheduler = scheduledReviews({
      config,
      configDir: configDirOf(fixture),
      stateDir,
      alerts: { raiseSystem: () => assert.fail('no alert expected') },
      log: createLogger('info', {}, (line) => lines.push(line)),
      now: () => NOW,
      timers: manualTimers().timers,
    })!;
    assert.equal(await scheduler.tick(), true);
    const store = ReviewStore.open(stateDir);
    const [stored] = store.list();
    store.close();
    assert.equal(stored?.summary.findings, 0);
    assert.ok(lines.some((line) => JSON.parse(line).msg === 'permission review: no findings'));
  });
});
