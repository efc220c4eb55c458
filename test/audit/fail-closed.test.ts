// When the store cannot make an event durable, append rejects with RAMPART_AUDIT_UNAVAILABLE (so the request
// fails) and a critical alert is raised once; nothing is acknowledged, no chain position is lost, and appends
// succeed again once the store is back.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { AuditAlert } from '../../src/audit/audit-log.ts';
import { openAuditLog, openAuditStore } from '../../src/audit/open.ts';
import { AUDIT_DB_FILE } from '../../src/audit/sqlite-schema.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { frozenClock, rawDb, sampleEvent, stateKey, tempDir } from './helpers.ts';

describe('fail closed', () => {
  it('rejects appends while another connection holds the write lock, then continues the chain without a gap', async (t) => {
    const dir = tempDir(t);
    const alerts: AuditAlert[] = [];
    const log = await openAuditLog(dir, {
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
