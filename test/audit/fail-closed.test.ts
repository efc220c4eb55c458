// When the store cannot make an event durable, append rejects with RAMPART_AUDIT_UNAVAILABLE (so the request
// fails) and a critical alert is raised once; nothing is acknowledged, no chain position is lost, and appends
// succeed again once the store is back. Meanwhile `writable` is false (the gateway refuses calls up front), and
// since nothing is then appended, a probe on the retry timer finds out when the store is back.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AuditAlert } from '../../src/audit/audit-log.ts';
import { openAuditLog, openAuditStore } from '../../src/audit/open.ts';
import { AUDIT_DB_FILE } from '../../src/audit/sqlite-schema.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { frozenClock, rawDb, sampleEvent, stateKey, tempDir } from './helpers.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Both write paths: the worker (fsync at every commit) and the in-thread writer (fsync at checkpoints).
for (const fsync of ['commit', 'checkpoint'] as const) {
  describe(`fail closed (fsync: ${fsync})`, () => {
    it('rejects appends while another connection holds the write lock, then continues the chain without a gap', async (t) => {
      const dir = tempDir(t);
      const alerts: AuditAlert[] = [];
      const log = await openAuditLog(dir, {
        fsync,
        busyTimeoutMs: 50,
        now: frozenClock().now,
        onAlert: (a) => alerts.push(a),
      });
      const first = await log.append(sampleEvent(1));
      assert.equal(first.status === 'committed' && first.seq, 1);

      const locker = rawDb(dir);
      locker.exec('BEGIN EXCLUSIVE');
      const refused = await Promise.allSettled([log.append(sampleEvent(2)), log.append(sampleEvent(3))]);
      for (const r of refused) {
        assert.equal(r.status, 'rejected');
        assert.equal((r as PromiseRejectedResult).reason.code, 'RAMPART_AUDIT_UNAVAILABLE');
      }
      await assert.rejects(log.append(sampleEvent(4)), { code: 'RAMPART_AUDIT_UNAVAILABLE' });
      assert.deepEqual(
        alerts.map((a) => [a.severity, a.code]),
        [['critical', 'RAMPART_AUDIT_UNAVAILABLE']],
        'one alert per outage, not one per request',
      );
      assert.equal(log.stats.rejected, 3);

      locker.exec('COMMIT');
      locker.close();
      const after = await log.append(sampleEvent(5));
      assert.equal(after.status === 'committed' && after.seq, 2, 'refused events took no chain position');
      assert.deepEqual(alerts.at(-1)?.code, 'RAMPART_AUDIT_RECOVERED');
      await log.close();

      const store = openAuditStore(dir);
      const report = await verifyStore(store, stateKey(dir));
      await store.close();
      assert.equal(report.ok, true);
      assert.equal(report.verified, 2);
    });

    it('is not writable while the store fails, and a probe on the retry timer (no appends) finds it back', async (t) => {
      const dir = tempDir(t);
      const alerts: AuditAlert[] = [];
      const clock = frozenClock();
      const log = await openAuditLog(dir, {
        fsync,
        busyTimeoutMs: 50,
        retryMs: 20,
        now: clock.now,
        onAlert: (a) => alerts.push(a),
      });
      await log.append(sampleEvent(1));
      assert.equal(log.writable, true);

      const locker = rawDb(dir);
      locker.exec('BEGIN EXCLUSIVE');
      await assert.rejects(log.append(sampleEvent(2)), { code: 'RAMPART_AUDIT_UNAVAILABLE' });
      assert.equal(log.writable, false, 'the gateway refuses calls before forwarding them');

      // The gateway appends nothing now; probes run on the timer and fail while the lock is held.
      clock.advance(20);
      await sleep(150);
      assert.equal(log.writable, false);
      assert.deepEqual(
        alerts.map((a) => a.code),
        ['RAMPART_AUDIT_UNAVAILABLE'],
      );

      locker.exec('COMMIT');
      const probesBefore = locker
        .prepare(`SELECT count(*) AS n FROM audit_meta WHERE key = 'probe'`)
        .get() as {
        n: number;
      };
      assert.equal(probesBefore.n, 0);
      clock.advance(20);
      for (let i = 0; i < 100 && !log.writable; i++) await sleep(10);
      assert.equal(log.writable, true);
      assert.deepEqual(
        alerts.map((a) => a.code),
        ['RAMPART_AUDIT_UNAVAILABLE', 'RAMPART_AUDIT_RECOVERED'],
      );
      const probe = locker.prepare(`SELECT value FROM audit_meta WHERE key = 'probe'`).get() as {
        value: string;
      };
      assert.ok(probe.value, 'the probe made a real write');
      locker.close();
      const after = await log.append(sampleEvent(3));
      assert.equal(after.status === 'committed' && after.seq, 2);
      await log.close();
      const store = openAuditStore(dir);
      const report = await verifyStore(store, stateKey(dir));
      await store.close();
      assert.equal(report.ok, true);
    });

    it('refuses to open when the state directory cannot hold the log', async (t) => {
      const dir = tempDir(t);
      const notADir = path.join(dir, 'file');
      writeFileSync(notADir, 'x');
      await assert.rejects(openAuditLog(path.join(notADir, 'state')), { code: 'RAMPART_AUDIT_UNAVAILABLE' });
    });

    it('refuses to open a database file that is not a database', async (t) => {
      const dir = tempDir(t);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, AUDIT_DB_FILE),
        'this is not an SQLite database, it is a text file of some length',
      );
      await assert.rejects(openAuditLog(dir), { code: 'RAMPART_AUDIT_UNAVAILABLE' });
    });

    it('rejects appends after close', async (t) => {
      const log = await openAuditLog(tempDir(t), { now: frozenClock().now });
      await log.close();
      await assert.rejects(log.append(sampleEvent(1)), { code: 'RAMPART_AUDIT_CLOSED' });
    });
  });
}
