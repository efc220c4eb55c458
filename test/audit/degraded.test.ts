// In `degraded` mode a store failure does not fail requests: events are fsynced to a local spool, one critical
// alert is raised, and the spool is moved into the chain (in order, sealed by a checkpoint) once the store works
// again, also across a restart, and never twice.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type AuditAlert, AuditLog } from '../../src/audit/audit-log.ts';
import { parseLeaf } from '../../src/audit/chain.ts';
import { checkpointSigner } from '../../src/audit/checkpoint.ts';
import { openAuditStore, SPOOL_FILE } from '../../src/audit/open.ts';
import { loadOrCreateMasterKey } from '../../src/audit/privacy/master-key.ts';
import { loadOrCreateSigningKey } from '../../src/audit/signing-key.ts';
import type { SqliteAuditStore } from '../../src/audit/sqlite-audit-store.ts';
import type { AuditReader, AuditStore, StoredHead, WriteBatch, WriteResult } from '../../src/audit/store.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { eventOf, frozenClock, sampleEvent, showIn, stateKey, tempDir } from './helpers.ts';

/** The real store, with writes that can be made to fail. */
class FlakyStore implements AuditStore {
  failing = false;
  private readonly inner: SqliteAuditStore;
  constructor(inner: SqliteAuditStore) {
    this.inner = inner;
  }
  head(): Promise<StoredHead> {
    return this.failing ? Promise.reject(new Error('disk I/O error')) : this.inner.head();
  }
  write(batch: WriteBatch): Promise<WriteResult> {
    return this.failing ? Promise.reject(new Error('disk I/O error')) : this.inner.write(batch);
  }
  read<T>(fn: (reader: AuditReader) => Promise<T>): Promise<T> {
    return this.inner.read(fn);
  }
  addCheckpoint(cp: Parameters<AuditStore['addCheckpoint']>[0]): Promise<void> {
    return this.inner.addCheckpoint(cp);
  }
  subjectKeys(): ReturnType<AuditStore['subjectKeys']> {
    return this.inner.subjectKeys();
  }
  erasedKeys(sinceMs: number): Promise<string[]> {
    return this.inner.erasedKeys(sinceMs);
  }
  eraseSubject(request: Parameters<AuditStore['eraseSubject']>[0]): ReturnType<AuditStore['eraseSubject']> {
    return this.inner.eraseSubject(request);
  }
  recordErasures(ids: readonly number[], eventId: string): Promise<void> {
    return this.inner.recordErasures(ids, eventId);
  }
  purgePayloads(
    request: Parameters<AuditStore['purgePayloads']>[0],
  ): ReturnType<AuditStore['purgePayloads']> {
    return this.inner.purgePayloads(request);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function open(dir: string, store: AuditStore, alerts: AuditAlert[], clock = frozenClock()) {
  return AuditLog.open({
    store,
    signer: checkpointSigner(loadOrCreateSigningKey(dir)),
    failureMode: 'degraded',
    spoolFile: path.join(dir, SPOOL_FILE),
    retryMs: 20,
    now: clock.now,
    onAlert: (a) => alerts.push(a),
    checkpoints: { every: 1000, intervalMs: 3_600_000 },
  });
}

async function loggedNames(dir: string): Promise<string[]> {
  const store = openAuditStore(dir);
  try {
    const names: string[] = [];
    await store.read(async (r) => {
      for await (const e of r.entries()) names.push(String(parseLeaf(e.leaf)!.event['name']));
    });
    return names;
  } finally {
    await store.close();
  }
}

async function verified(dir: string) {
  const store = openAuditStore(dir);
  try {
    return await verifyStore(store, stateKey(dir));
  } finally {
    await store.close();
  }
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition());
}

describe('degraded mode', () => {
  it('spools while the store fails, alerts once, and moves the spool into the chain when it is back', async (t) => {
    const dir = tempDir(t);
    const store = new FlakyStore(openAuditStore(dir));
    const alerts: AuditAlert[] = [];
    const clock = frozenClock();
    const log = await open(dir, store, alerts, clock);
    assert.equal((await log.append(sampleEvent(1))).status, 'committed');

    store.failing = true;
    const spooled = await Promise.all([2, 3, 4].map((i) => log.append(sampleEvent(i))));
    assert.deepEqual(
      spooled.map((r) => r.status),
      ['spooled', 'spooled', 'spooled'],
    );
    assert.equal((await log.append(sampleEvent(5))).status, 'spooled');
    assert.equal(log.degraded, true);
    assert.deepEqual(
      alerts.map((a) => [a.severity, a.code]),
      [['critical', 'RAMPART_AUDIT_DEGRADED']],
    );
    const spool = readFileSync(path.join(dir, SPOOL_FILE), 'utf8').trimEnd().split('\n');
    assert.equal(spool.length, 1 + 4, 'a header and one line per acknowledged event');

    store.failing = false;
    clock.advance(20);
    await until(() => !log.degraded);
    assert.equal(alerts.at(-1)?.code, 'RAMPART_AUDIT_RECOVERED');
    assert.equal(existsSync(path.join(dir, SPOOL_FILE)), false);
    const after = await log.append(sampleEvent(6));
    assert.equal(after.status === 'committed' && after.seq, 6);
    await log.close();

    assert.deepEqual(await loggedNames(dir), ['tool-1', 'tool-2', 'tool-3', 'tool-4', 'tool-5', 'tool-6']);
    const report = await verified(dir);
    assert.equal(report.ok, true);
    assert.equal(report.unsealed, 0);
  });

  it('moves a spool left by an earlier run into the log at open, and never twice', async (t) => {
    const dir = tempDir(t);
    const store = new FlakyStore(openAuditStore(dir));
    const first = await open(dir, store, []);
    await first.append(sampleEvent(1));
    store.failing = true;
    await first.append(sampleEvent(2));
    await first.append(sampleEvent(3));
    await first.close().catch(() => undefined);
    const spoolFile = path.join(dir, SPOOL_FILE);
    const leftover = readFileSync(spoolFile, 'utf8');

    const second = await open(dir, openAuditStore(dir), []);
    assert.equal(second.degraded, false);
    assert.equal(second.size, 3);
    await second.close();
    assert.deepEqual(await loggedNames(dir), ['tool-1', 'tool-2', 'tool-3']);

    // A crash after the drain committed but before the spool was deleted leaves the same spool behind.
    writeFileSync(spoolFile, leftover);
    const third = await open(dir, openAuditStore(dir), []);
    assert.equal(third.size, 3, 'the same spool generation is not replayed');
    await third.close();
    assert.equal(existsSync(spoolFile), false);
    assert.equal((await verified(dir)).ok, true);
  });

  it('carries sealed payloads (ciphertext and wrapped key, no plaintext) through the spool, and reports the drain to onCommitted', async (t) => {
    const dir = tempDir(t);
    const store = new FlakyStore(openAuditStore(dir));
    const clock = frozenClock();
    const committed: number[] = [];
    const log = await AuditLog.open({
      store,
      signer: checkpointSigner(loadOrCreateSigningKey(dir)),
      masterKey: loadOrCreateMasterKey(dir),
      payloadMode: 'full',
      failureMode: 'degraded',
      spoolFile: path.join(dir, SPOOL_FILE),
      retryMs: 20,
      now: clock.now,
      onCommitted: (records) => committed.push(...records.map((r) => r.seq)),
    });
    await log.append(eventOf('alice', 1));
    store.failing = true;
    const spooled = await log.append(eventOf('carol', 2));
    assert.equal(spooled.status, 'spooled');
    const spoolText = readFileSync(path.join(dir, SPOOL_FILE), 'utf8');
    assert.ok(!spoolText.includes('carol-secret'), 'the spool holds no plaintext payload');
    assert.ok(spoolText.includes('"sealed"'));

    store.failing = false;
    clock.advance(20);
    await until(() => !log.degraded);
    await log.close();
    assert.deepEqual(committed, [1, 2]);
    const shown = await showIn(dir, { id: spooled.id });
    assert.deepEqual(shown.payloads.arguments, {
      status: 'ok',
      mode: 'full',
      value: eventOf('carol', 2).arguments,
    });
    assert.equal((await verified(dir)).ok, true);
  });

  it('fails closed after all when the spool cannot be written either', async (t) => {
    const dir = tempDir(t);
    const store = new FlakyStore(openAuditStore(dir));
    const alerts: AuditAlert[] = [];
    const log = await AuditLog.open({
      store,
      signer: checkpointSigner(loadOrCreateSigningKey(dir)),
      failureMode: 'degraded',
      spoolFile: path.join(dir, 'no-such-dir', SPOOL_FILE),
      now: frozenClock().now,
      onAlert: (a) => alerts.push(a),
    });
    store.failing = true;
    await assert.rejects(log.append(sampleEvent(1)), { code: 'RAMPART_AUDIT_UNAVAILABLE' });
    assert.equal(alerts[0]?.severity, 'critical');
    store.failing = false;
    await log.close();
  });

  it('stops being writable, and alerts, when the spool refuses a write too; the store coming back recovers', async (t) => {
    const dir = tempDir(t);
    const store = new FlakyStore(openAuditStore(dir));
    const alerts: AuditAlert[] = [];
    const clock = frozenClock();
    const log = await open(dir, store, alerts, clock);
    store.failing = true;
    assert.equal((await log.append(sampleEvent(1))).status, 'spooled');
    assert.equal(log.writable, true, 'degraded mode still records (in the spool)');
    // The disk under the spool fills up: inject the failure into the spool's own write.
    const spool = (log as unknown as { spool: { append: (lines: string[]) => Promise<void> } }).spool;
    const append = spool.append.bind(spool);
    spool.append = () => Promise.reject(new Error('ENOSPC: no space left on device'));
    await assert.rejects(log.append(sampleEvent(2)), { code: 'RAMPART_AUDIT_UNAVAILABLE' });
    assert.equal(log.writable, false, 'the gateway must refuse calls it cannot record');
    assert.deepEqual(
      alerts.filter((a) => a.severity === 'critical').map((a) => a.message),
      [
        'the audit store refuses writes; events are spooled locally, not yet hash-chained',
        'neither the audit store nor the local spool accepts writes; calls are refused',
      ],
    );
    spool.append = append;
    store.failing = false;
    clock.advance(20); // the retry timer's interval (retryMs) on the frozen clock
    await until(() => log.writable && !log.degraded);
    assert.deepEqual(await loggedNames(dir), [String(sampleEvent(1).name)]);
    await log.close();
  });
});
