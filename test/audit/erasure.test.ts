// Erasing a subject (GDPR art. 17) destroys their payload keys: their `full` and `redacted` payloads can no longer
// be decrypted (the wrapped key and the ciphertexts are gone from the database file's bytes), everyone else's still
// decrypt and match their commitments, the erasure is itself an audit event, and the chain still verifies. This
// holds while a running gateway still has the key in memory, and for a key it made before the erasure but had not
// stored yet.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppendReceipt, AuditLog } from '../../src/audit/audit-log.ts';
import { parseLeaf } from '../../src/audit/chain.ts';
import { checkpointSigner } from '../../src/audit/checkpoint.ts';
import { eraseSubject, openAuditStore } from '../../src/audit/open.ts';
import { PayloadKeyring } from '../../src/audit/privacy/keyring.ts';
import { loadOrCreateMasterKey } from '../../src/audit/privacy/master-key.ts';
import { loadOrCreateSigningKey } from '../../src/audit/signing-key.ts';
import type { AuditStore, WriteBatch, WriteResult } from '../../src/audit/store.ts';
import {
  databaseBytes,
  eventOf,
  frozenClock,
  openTestLog,
  rawDb,
  showIn,
  tempDir,
  verifyDir,
} from './helpers.ts';

const ISSUER = 'https://idp.example';
const alice = { issuer: ISSUER, subject: 'alice' };

function committed(r: AppendReceipt): Extract<AppendReceipt, { status: 'committed' }> {
  assert.equal(r.status, 'committed');
  return r as Extract<AppendReceipt, { status: 'committed' }>;
}

function keyOf(event: Record<string, unknown>): string {
  return (event['arguments'] as { sealed: { key: string } }).sealed.key;
}

function rawRow(
  dir: string,
  sql: string,
  ...params: Array<string | number>
): Record<string, unknown> | undefined {
  const db = rawDb(dir);
  try {
    const row = db.prepare(sql).get(...params);
    return row && { ...row };
  } finally {
    db.close();
  }
}

describe('erasure', () => {
  it('makes a subject’s full and redacted payloads unreadable, leaves the others readable, and the log verifies', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const events: Record<'alice' | 'bob', Array<{ id: string; i: number }>> = { alice: [], bob: [] };
    const full = await openTestLog(dir, { payloadMode: 'full', now: clock.now });
    for (let i = 1; i <= 3; i++) {
      for (const who of ['alice', 'bob'] as const)
        events[who].push({ id: (await full.append(eventOf(who, i))).id, i });
    }
    await full.close();
    // Reopened (keys reloaded from the database) in redacted mode.
    const redact = (value: unknown, field: 'arguments' | 'result') =>
      field === 'arguments' ? { ...(value as object), secret: '[REDACTED]' } : value;
    const redacted = await openTestLog(dir, { payloadMode: 'redacted', redact, now: clock.now });
    for (let i = 4; i <= 5; i++) {
      for (const who of ['alice', 'bob'] as const) {
        events[who].push({ id: (await redacted.append(eventOf(who, i))).id, i });
      }
    }
    await redacted.close();

    const before = await showIn(dir, { id: events.alice[0]!.id });
    assert.equal(before.ok, true);
    assert.deepEqual(before.payloads.arguments, {
      status: 'ok',
      mode: 'full',
      value: eventOf('alice', 1).arguments,
    });
    const aliceKey = keyOf(before.event);
    for (const e of events.alice) {
      assert.equal(
        keyOf((await showIn(dir, { id: e.id })).event),
        aliceKey,
        'one key per subject, across restarts',
      );
    }
    const wrapped = Buffer.from(
      rawRow(dir, 'SELECT wrapped_key FROM audit_subject_keys WHERE key_id = ?', aliceKey)![
        'wrapped_key'
      ] as Uint8Array,
    );
    const aliceCiphertext = Buffer.from(
      rawRow(dir, 'SELECT arguments FROM audit_payloads WHERE event_id = ?', events.alice[0]!.id)![
        'arguments'
      ] as Uint8Array,
    );
    const bobCiphertext = Buffer.from(
      rawRow(dir, 'SELECT arguments FROM audit_payloads WHERE event_id = ?', events.bob[0]!.id)![
        'arguments'
      ] as Uint8Array,
    );
    assert.ok(databaseBytes(dir).includes(wrapped), 'the search finds the wrapped key before the erasure');

    clock.advance(60_000);
    const report = await eraseSubject(dir, alice, { reason: 'art. 17 request #42', now: clock.now });
    assert.deepEqual(report.keys, [aliceKey]);
    assert.equal(report.payloads, 5, 'one ciphertext row per event');
    assert.equal(report.walTruncated, true);

    for (const e of events.alice) {
      const shown = await showIn(dir, { id: e.id });
      assert.equal(shown.ok, true, 'erased is not tampered');
      assert.deepEqual(shown.payloads.arguments, {
        status: 'erased',
        message: 'payload erased',
        erasedAt: new Date(clock.now()).toISOString(),
      });
      assert.equal(shown.payloads.result?.status, 'erased');
    }
    for (const e of events.bob) {
      const shown = await showIn(dir, { id: e.id });
      assert.equal(shown.ok, true);
      const expected = eventOf('bob', e.i);
      assert.deepEqual(shown.payloads.arguments, {
        status: 'ok',
        mode: e.i <= 3 ? 'full' : 'redacted',
        value: e.i <= 3 ? expected.arguments : { ...(expected.arguments as object), secret: '[REDACTED]' },
      });
      assert.deepEqual(shown.payloads.result, {
        status: 'ok',
        mode: e.i <= 3 ? 'full' : 'redacted',
        value: expected.result,
      });
    }

    assert.deepEqual(rawRow(dir, 'SELECT count(*) AS n FROM audit_payloads WHERE key_id = ?', aliceKey), {
      n: 0,
    });
    const keyRow = rawRow(
      dir,
      'SELECT wrapped_key, erased_ms FROM audit_subject_keys WHERE key_id = ?',
      aliceKey,
    );
    assert.deepEqual(keyRow, { wrapped_key: null, erased_ms: clock.now() });
    const bytes = databaseBytes(dir);
    assert.ok(!bytes.includes(wrapped), 'the wrapped key is gone from audit.db and its WAL');
    assert.ok(!bytes.includes(aliceCiphertext), 'so are the ciphertexts');
    assert.ok(bytes.includes(bobCiphertext), 'the search does find what is still there');

    const report2 = await verifyDir(dir);
    assert.equal(report2.ok, true, report2.problem?.message);
    assert.equal(report2.verified, 11);
    assert.equal(report2.unsealed, 0);

    const last = await showIn(dir, { seq: 11 });
    assert.equal(last.event['decision'], 'subject_erased');
    assert.deepEqual(last.event['detail'], {
      subjectRef: report.subjectRef,
      keys: [aliceKey],
      payloads: 5,
      reason: 'art. 17 request #42',
      overrideHold: false,
    });
    assert.equal(last.event['principal'], null);
    assert.ok(!JSON.stringify(last.event).includes('alice'), 'the erasure event never names the subject');
  });

  it('wins over a running gateway that still holds the key: its later payloads are dropped, then a new key is used', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const gateway = await openTestLog(dir, { payloadMode: 'full', now: clock.now });
    const first = committed(await gateway.append(eventOf('alice', 1)));
    await gateway.append(eventOf('bob', 1));
    const aliceKey = keyOf((await showIn(dir, { id: first.id })).event);

    clock.advance(1000);
    // `rampart audit erase` from another process: its own log instance on the same state directory.
    const report = await eraseSubject(dir, alice, { now: clock.now });
    assert.deepEqual(report.keys, [aliceKey]);
    assert.equal(committed(report.receipt).seq, 3);

    clock.advance(1000);
    // Sealed in memory with the erased key; the chain moved on under the gateway too (entry 3 is the erasure).
    const late = committed(await gateway.append(eventOf('alice', 2)));
    assert.equal(late.seq, 4, 're-chained after the erasure event');
    assert.equal(gateway.stats.payloadsDropped, 2, 'arguments and result were refused by the store');
    const fresh = committed(await gateway.append(eventOf('alice', 3)));
    await gateway.close();

    assert.equal((await showIn(dir, { id: late.id })).payloads.arguments?.status, 'erased');
    const shown = await showIn(dir, { id: fresh.id });
    assert.deepEqual(shown.payloads.arguments, {
      status: 'ok',
      mode: 'full',
      value: eventOf('alice', 3).arguments,
    });
    assert.notEqual(keyOf(shown.event), aliceKey, 'a new key for events after the erasure');
    assert.equal((await showIn(dir, { seq: 1 })).payloads.arguments?.status, 'erased');
    const verified = await verifyDir(dir);
    assert.equal(verified.ok, true, verified.problem?.message);
    assert.equal(verified.verified, 5);
  });

  it('kills a key made before the erasure but stored after it (tombstone)', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const store = new HeldStore(openAuditStore(dir));
    const gateway = await AuditLog.open({
      store,
      signer: checkpointSigner(loadOrCreateSigningKey(dir)),
      masterKey: loadOrCreateMasterKey(dir),
      payloadMode: 'full',
      now: clock.now,
    });
    store.hold = true;
    const pending = gateway.append(eventOf('carol', 1));
    await store.held;
    clock.advance(1000);
    const report = await eraseSubject(dir, { issuer: ISSUER, subject: 'carol' }, { now: clock.now });
    assert.deepEqual(report.keys, [], 'nothing stored for carol yet');
    store.release();
    const r = committed(await pending);
    assert.equal(r.seq, 2, 'after the erasure event');
    assert.equal(gateway.stats.payloadsDropped, 2);
    await gateway.close();
    const shown = await showIn(dir, { id: r.id });
    assert.equal(shown.payloads.arguments?.status, 'erased');
    assert.equal((await verifyDir(dir)).ok, true);
  });

  it('refuses a subject under legal hold unless overridden, which the erasure event records', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const log = await openTestLog(dir, { payloadMode: 'full', now: clock.now });
    const held = committed(await log.append(eventOf('alice', 1)));
    await log.append(eventOf('dave', 1));
    await log.close();

    const holds = { subjects: [alice] };
    await assert.rejects(eraseSubject(dir, alice, { holds, now: clock.now }), {
      code: 'RAMPART_AUDIT_LEGAL_HOLD',
    });
    assert.equal((await showIn(dir, { id: held.id })).payloads.arguments?.status, 'ok', 'nothing was erased');

    const period = { periods: [{ from: '2026-01-15T00:00:00Z', to: '2026-01-16T00:00:00Z' }] };
    await assert.rejects(
      eraseSubject(dir, { issuer: ISSUER, subject: 'dave' }, { holds: period, now: clock.now }),
      {
        code: 'RAMPART_AUDIT_LEGAL_HOLD',
      },
    );

    const report = await eraseSubject(dir, alice, { holds, overrideHold: true, now: clock.now });
    assert.equal(report.overrideHold, true);
    assert.equal((await showIn(dir, { id: held.id })).payloads.arguments?.status, 'erased');
    const event = (await showIn(dir, { id: report.receipt.id })).event;
    assert.equal((event['detail'] as { overrideHold: boolean }).overrideHold, true);
    assert.equal((await verifyDir(dir)).ok, true);
  });

  it('records an earlier erasure whose event was never written (the process died in between) with the next one', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const log = await openTestLog(dir, { payloadMode: 'full', now: clock.now });
    const first = committed(await log.append(eventOf('alice', 1)));
    await log.close();
    const firstKey = keyOf((await showIn(dir, { id: first.id })).event);
    // Only the store's half of an erasure: keys destroyed, no event.
    const store = openAuditStore(dir);
    const subjectRef = new PayloadKeyring(loadOrCreateMasterKey(dir)).refOf(alice);
    const half = await store.eraseSubject({ subjectRef, nowMs: clock.now() });
    await store.close();
    assert.equal(half.status === 'erased' && half.keys[0], firstKey);

    clock.advance(1000);
    const report = await eraseSubject(dir, alice, { now: clock.now });
    assert.deepEqual(report.keys, [firstKey], 'the keys of the unrecorded erasure');
    const detail = (await showIn(dir, { id: report.receipt.id })).event['detail'] as Record<string, unknown>;
    assert.deepEqual(detail['unrecordedEarlier'], [new Date(clock.now() - 1000).toISOString()]);
    const again = await eraseSubject(dir, alice, { now: clock.now });
    assert.deepEqual(again.keys, [], 'recorded once');
  });

  it('erases the anonymous subject (events without a principal) on its own', async (t) => {
    const dir = tempDir(t);
    const clock = frozenClock();
    const log = await openTestLog(dir, { payloadMode: 'full', now: clock.now });
    const anon = committed(await log.append(eventOf(null, 1)));
    const bob = committed(await log.append(eventOf('bob', 1)));
    await log.close();
    const report = await eraseSubject(dir, { anonymous: true }, { now: clock.now });
    assert.equal(report.keys.length, 1);
    assert.equal((await showIn(dir, { id: anon.id })).payloads.arguments?.status, 'erased');
    assert.equal((await showIn(dir, { id: bob.id })).payloads.arguments?.status, 'ok');
    const leaf = parseLeaf(rawRow(dir, 'SELECT leaf FROM audit_entries WHERE seq = 3')!['leaf'] as string);
    assert.equal(leaf?.event['decision'], 'subject_erased');
  });
});

/** The real store, whose writes can be held back until the test releases them. */
class HeldStore implements AuditStore {
  hold = false;
  held: Promise<void>;
  private onHeld: () => void = () => undefined;
  private gate: Promise<void> | undefined;
  private open: () => void = () => undefined;
  private readonly inner: AuditStore;
  constructor(inner: AuditStore) {
    this.inner = inner;
    this.held = new Promise((resolve) => {
      this.onHeld = resolve;
    });
  }
  release(): void {
    this.hold = false;
    this.open();
  }
  async write(batch: WriteBatch): Promise<WriteResult> {
    if (this.hold) {
      this.gate ??= new Promise((resolve) => {
        this.open = resolve;
      });
      this.onHeld();
      await this.gate;
    }
    return this.inner.write(batch);
  }
  head() {
    return this.inner.head();
  }
  read<T>(fn: Parameters<AuditStore['read']>[0]): Promise<T> {
    return this.inner.read(fn) as Promise<T>;
  }
  addCheckpoint(cp: Parameters<AuditStore['addCheckpoint']>[0]) {
    return this.inner.addCheckpoint(cp);
  }
  subjectKeys() {
    return this.inner.subjectKeys();
  }
  erasedKeys(sinceMs: number) {
    return this.inner.erasedKeys(sinceMs);
  }
  eraseSubject(request: Parameters<AuditStore['eraseSubject']>[0]) {
    return this.inner.eraseSubject(request);
  }
  recordErasures(ids: readonly number[], eventId: string) {
    return this.inner.recordErasures(ids, eventId);
  }
  purgePayloads(request: Parameters<AuditStore['purgePayloads']>[0]) {
    return this.inner.purgePayloads(request);
  }
  close() {
    return this.inner.close();
  }
}
