// Concurrent appends share one transaction (and one fsync), and none is acknowledged before the transaction
// that holds it has committed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppendReceipt, AuditLog } from '../../src/audit/audit-log.ts';
import { GENESIS } from '../../src/audit/chain.ts';
import { checkpointSigner } from '../../src/audit/checkpoint.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { loadOrCreateSigningKey } from '../../src/audit/signing-key.ts';
import type { AuditStore, StoredHead, WriteBatch } from '../../src/audit/store.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { frozenClock, openTestLog, rawDb, sampleEvent, stateKey, tempDir } from './helpers.ts';

/** A store whose writes complete only when the test says so. */
class GatedStore implements AuditStore {
  readonly writes: Array<{ batch: WriteBatch; release(): void; fail(err: Error): void }> = [];
  async head(): Promise<StoredHead> {
    return {
      size: 0,
      lastHash: GENESIS,
      frontier: new Uint8Array(0),
      latestCheckpoint: undefined,
      spoolGeneration: undefined,
    };
  }
  write(batch: WriteBatch): Promise<{ transactions: number }> {
    return new Promise((resolve, reject) => {
      this.writes.push({ batch, release: () => resolve({ transactions: this.writes.length }), fail: reject });
    });
  }
  read<T>(): Promise<T> {
    throw new Error('not used');
  }
  async addCheckpoint(): Promise<void> {}
  async subjectKeys(): Promise<never[]> {
    return [];
  }
  async erasedKeys(): Promise<string[]> {
    return [];
  }
  eraseSubject(): never {
    throw new Error('not used');
  }
  async recordErasures(): Promise<void> {}
  purgePayloads(): never {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await turn();
  assert.ok(condition());
}

describe('group commit', () => {
  it('acknowledges nothing before the write of its batch completes; later appends form the next batch', async (t) => {
    const dir = tempDir(t);
    const store = new GatedStore();
    const log = await AuditLog.open({
      store,
      signer: checkpointSigner(loadOrCreateSigningKey(dir)),
      now: frozenClock().now,
      checkpoints: { every: 1000, intervalMs: 3_600_000 },
    });
    const acked: number[] = [];
    const track = (p: Promise<AppendReceipt>) =>
      p.then((r) => {
        acked.push(r.status === 'committed' ? r.seq : -1);
      });
    const first = Array.from({ length: 10 }, (_, i) => track(log.append(sampleEvent(i))));
    await turn();
    await turn();
    assert.equal(store.writes.length, 1, 'ten appends of one turn share one write');
    assert.equal(store.writes[0]!.batch.entries.length, 10);
    const second = Array.from({ length: 5 }, (_, i) => track(log.append(sampleEvent(10 + i))));
    await turn();
    await turn();
    assert.equal(store.writes.length, 1, 'nothing else is written while a write is in flight');
    assert.deepEqual(acked, [], 'no append is acknowledged before its write completes');

    store.writes[0]!.release();
    await Promise.all(first);
    assert.deepEqual(acked, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await until(() => store.writes.length === 2);
    assert.deepEqual(
      store.writes[1]!.batch.entries.map((e) => e.seq),
      [11, 12, 13, 14, 15],
    );
    assert.equal(acked.length, 10, 'the second batch waits for its own write');
    store.writes[1]!.release();
    await Promise.all(second);
    assert.deepEqual(acked, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    // close() seals the log with a final checkpoint: one more write, holding no entries.
    const closing = log.close();
    await until(() => store.writes.length === 3);
    assert.equal(store.writes[2]!.batch.entries.length, 0);
    assert.equal(store.writes[2]!.batch.checkpoint?.signed.size, 15);
    store.writes[2]!.release();
    await closing;
  });

  it('with SQLite: many concurrent appends share few transactions, each visible on disk when acknowledged', async (t) => {
    const dir = tempDir(t);
    const log = await openTestLog(dir, { checkpoints: { every: 100, intervalMs: 3_600_000 } });
    const reader = rawDb(dir);
    t.after(() => reader.close());
    const lookup = reader.prepare('SELECT hash FROM audit_entries WHERE seq = ?');
    const acks: Array<Promise<void>> = [];
    const notVisible: number[] = [];
    // 30 waves of 10 appends, a new wave every event-loop turn, no append awaited before the next is made.
    for (let wave = 0; wave < 30; wave++) {
      for (let i = 0; i < 10; i++) {
        acks.push(
          log.append(sampleEvent(wave * 10 + i)).then((r) => {
            assert.equal(r.status, 'committed');
            if (r.status !== 'committed') return;
            const row = lookup.get(r.seq) as { hash: Uint8Array } | undefined;
            if (!row || Buffer.from(row.hash).toString('hex') !== r.hash) notVisible.push(r.seq);
          }),
        );
      }
      await turn();
    }
    await Promise.all(acks);
    assert.deepEqual(notVisible, [], 'every acknowledged entry was already committed');
    assert.equal(log.stats.committed, 300);
    assert.equal(log.stats.transactions, log.stats.batches, 'one transaction per batch');
    assert.ok(log.stats.transactions <= 31, `300 appends took ${log.stats.transactions} transactions`);
    assert.ok(log.stats.transactions >= 2);
    await log.close();
    const store = openAuditStore(dir);
    const report = await verifyStore(store, stateKey(dir));
    await store.close();
    assert.equal(report.ok, true);
    assert.equal(report.verified, 300);
  });
});
