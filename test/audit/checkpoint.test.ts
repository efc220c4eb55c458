// Checkpoints are signed with an Ed25519 key kept in the state directory (created once, mode 0600, refused when
// others can read it), every N entries or T seconds, and once more when the log closes.
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkpointSigner, verifyCheckpoint } from '../../src/audit/checkpoint.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import {
  loadOrCreateSigningKey,
  PUBLIC_KEY_FILE,
  publicKeyFromPem,
  readSigningKey,
  SIGNING_KEY_FILE,
} from '../../src/audit/signing-key.ts';
import { frozenClock, openTestLog, sampleEvent, tempDir } from './helpers.ts';

describe('signing key', () => {
  it('is created on first use with mode 0600 and reused afterwards', (t) => {
    const dir = tempDir(t);
    const key = loadOrCreateSigningKey(dir);
    assert.equal(statSync(path.join(dir, SIGNING_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(loadOrCreateSigningKey(dir).keyId, key.keyId);
    assert.equal(readSigningKey(dir).keyId, key.keyId);
    assert.equal(publicKeyFromPem(readFileSync(path.join(dir, PUBLIC_KEY_FILE), 'utf8')).keyId, key.keyId);
  });

  it('is refused when other users can read it', (t) => {
    const dir = tempDir(t);
    loadOrCreateSigningKey(dir);
    chmodSync(path.join(dir, SIGNING_KEY_FILE), 0o644);
    assert.throws(() => loadOrCreateSigningKey(dir), { code: 'RAMPART_AUDIT_KEY_INVALID' });
  });

  it('is not created by readers', (t) => {
    assert.throws(() => readSigningKey(tempDir(t)), { code: 'RAMPART_AUDIT_NOT_FOUND' });
  });
});

describe('checkpoints', () => {
  it('verify under the signing key and fail when any field changes', (t) => {
    const key = loadOrCreateSigningKey(tempDir(t));
    const cp = checkpointSigner(key).sign({
      size: 42,
      root: 'ab'.repeat(32),
      time: '2026-01-15T10:00:00.000Z',
    });
    assert.ok(verifyCheckpoint(cp, key.publicKey, key.keyId));
    assert.ok(!verifyCheckpoint({ ...cp, size: 41 }, key.publicKey, key.keyId));
    assert.ok(!verifyCheckpoint({ ...cp, root: 'cd'.repeat(32) }, key.publicKey, key.keyId));
    assert.ok(!verifyCheckpoint({ ...cp, time: '2026-01-15T10:00:01.000Z' }, key.publicKey, key.keyId));
    const other = loadOrCreateSigningKey(tempDir(t));
    assert.ok(!verifyCheckpoint(cp, other.publicKey, other.keyId));
  });

  it('are signed every N entries and after T seconds, with the frozen time, and when the log closes', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const log = await openTestLog(dir, { now: clock.now, checkpoints: { every: 3, intervalMs: 10_000 } });
    for (let i = 1; i <= 4; i++) await log.append(sampleEvent(i));
    clock.advance(10_000);
    await log.append(sampleEvent(5));
    clock.advance(1_000);
    await log.append(sampleEvent(6));
    await log.close();
    const store = openAuditStore(dir);
    const checkpoints = await store.read((r) => r.checkpoints());
    await store.close();
    assert.deepEqual(
      checkpoints.map((c) => [c.size, c.time]),
      [
        [3, '2026-01-15T10:00:00.000Z'],
        [5, '2026-01-15T10:00:10.000Z'],
        [6, '2026-01-15T10:00:11.000Z'],
      ],
    );
  });

  it('are signed when the interval passes with no new events (timer)', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const log = await openTestLog(dir, { now: clock.now, checkpoints: { every: 1000, intervalMs: 50 } });
    await log.append(sampleEvent(1));
    const signed = new Promise<number>((resolve) => {
      const timer = setInterval(async () => {
        const store = openAuditStore(dir);
        const n = (await store.read((r) => r.checkpoints())).length;
        await store.close();
        if (n > 0) {
          clearInterval(timer);
          resolve(n);
        }
      }, 20);
    });
    clock.advance(50);
    assert.equal(await signed, 1);
    assert.equal(log.stats.checkpoints, 1);
    await log.close();
  });
});
