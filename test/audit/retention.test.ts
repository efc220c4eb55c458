// Retention purges payload ciphertexts of events older than N days, except those of a subject or a period under
// legal hold; events and hashes stay, so the chain still verifies, and `show` tells purged from missing. The log
// runs it on its own timer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppendReceipt } from '../../src/audit/audit-log.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { readMasterKey } from '../../src/audit/privacy/master-key.ts';
import { purgePayloads } from '../../src/audit/privacy/retention.ts';
import { eventOf, frozenClock, openTestLog, rawDb, showIn, tempDir, verifyDir } from './helpers.ts';

const DAY = 86_400_000;
const START = Date.parse('2026-01-01T12:00:00.000Z');
const holds = {
  subjects: [{ issuer: 'https://idp.example', subject: 'alice' }],
  periods: [{ from: '2026-01-11T00:00:00Z', to: '2026-01-11T23:59:59.999Z' }],
};

/** Day 0: alice (held), bob and an anonymous caller; day 10: bob, inside the held period; day 20: bob. */
async function history(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const clock = frozenClock(START);
  const log = await openTestLog(dir, { payloadMode: 'full', now: clock.now });
  const at: Record<string, string> = {};
  const add = async (name: string, who: string | null, i: number) => {
    at[name] = ((await log.append(eventOf(who, i))) as Extract<AppendReceipt, { status: 'committed' }>).id;
  };
  await add('alice0', 'alice', 1);
  await add('bob0', 'bob', 2);
  await add('anon0', null, 3);
  clock.advance(10 * DAY);
  await add('bob10', 'bob', 4);
  clock.advance(10 * DAY);
  await add('bob20', 'bob', 5);
  await log.close();
  return { dir, clock, at };
}

describe('retention', () => {
  it('purges old payloads except held subjects and periods; the chain still verifies', async (t) => {
    const { dir, clock, at } = await history(t);
    clock.advance(25 * DAY); // day 45: the cutoff of 30 days is day 15
    const store = openAuditStore(dir);
    const master = readMasterKey(dir);
    const dry = await purgePayloads(store, master, {
      olderThanDays: 30,
      holds,
      dryRun: true,
      now: clock.now,
    });
    assert.deepEqual(dry, {
      cutoff: '2026-01-16T12:00:00.000Z',
      purged: 2,
      held: 2,
      more: false,
      dryRun: true,
    });
    assert.equal(
      (await showIn(dir, { id: at['bob0']! })).payloads.arguments?.status,
      'ok',
      'a dry run deletes nothing',
    );

    const report = await purgePayloads(store, master, {
      olderThanDays: 30,
      holds,
      now: clock.now,
      stepRows: 1,
    });
    await store.close();
    assert.deepEqual(report, {
      cutoff: '2026-01-16T12:00:00.000Z',
      purged: 2,
      held: 2,
      more: false,
      dryRun: false,
    });

    for (const name of ['bob0', 'anon0']) {
      const shown = await showIn(dir, { id: at[name]! });
      assert.equal(shown.ok, true, 'purged is not missing');
      assert.deepEqual(shown.payloads.arguments, {
        status: 'purged',
        message: 'payload purged by retention',
      });
      assert.deepEqual(shown.payloads.result, { status: 'purged', message: 'payload purged by retention' });
    }
    for (const [name, i] of [
      ['alice0', 1],
      ['bob10', 4],
      ['bob20', 5],
    ] as const) {
      const shown = await showIn(dir, { id: at[name]! });
      assert.deepEqual(shown.payloads.arguments, {
        status: 'ok',
        mode: 'full',
        value: eventOf(name.startsWith('alice') ? 'alice' : 'bob', i).arguments,
      });
    }
    const verified = await verifyDir(dir);
    assert.equal(verified.ok, true, verified.problem?.message);
    assert.equal(verified.verified, 5);
  });

  it('stops a run at maxRows and continues in the next one', async (t) => {
    const { dir, clock } = await history(t);
    clock.advance(100 * DAY);
    const store = openAuditStore(dir);
    t.after(() => store.close());
    const master = readMasterKey(dir);
    const first = await purgePayloads(store, master, { olderThanDays: 1, maxRows: 3, now: clock.now });
    assert.deepEqual([first.purged, first.more], [3, true]);
    const second = await purgePayloads(store, master, { olderThanDays: 1, maxRows: 3, now: clock.now });
    assert.deepEqual([second.purged, second.more], [2, false]);
  });

  it('runs on the log’s timer with the configured retention and holds', async (t) => {
    const { dir, clock, at } = await history(t);
    clock.advance(25 * DAY);
    const log = await openTestLog(dir, {
      payloadMode: 'full',
      now: clock.now,
      privacy: { retentionDays: 30, holds, purgeIntervalMs: 10 },
    });
    for (let i = 0; i < 300 && log.stats.payloadsPurged < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(log.stats.payloadsPurged, 2);
    await log.close();
    assert.equal((await showIn(dir, { id: at['bob0']! })).payloads.arguments?.status, 'purged');
    assert.equal((await showIn(dir, { id: at['alice0']! })).payloads.arguments?.status, 'ok');
    assert.equal((await verifyDir(dir)).ok, true);
  });

  it('reports a ciphertext deleted by anything else than retention or erasure as missing', async (t) => {
    const { dir, at } = await history(t);
    const db = rawDb(dir);
    db.prepare('DELETE FROM audit_payloads WHERE event_id = ?').run(at['bob20']!);
    db.close();
    const shown = await showIn(dir, { id: at['bob20']! });
    assert.equal(shown.ok, false);
    assert.equal(shown.payloads.arguments?.status, 'missing');
  });
});
