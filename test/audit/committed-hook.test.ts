// `onCommitted` tells forwarders about every committed entry exactly once, in chain order, batch by batch, after
// the appends' promises are resolved and before the checkpoint that covers them is announced; the records carry
// the event object (not re-parsed), the leaf bytes and the hash that was stored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppendReceipt, CommittedRecord } from '../../src/audit/audit-log.ts';
import { leafHash } from '../../src/audit/merkle.ts';
import { frozenClock, openTestLog, sampleEvent, tempDir } from './helpers.ts';

describe('onCommitted', () => {
  it('reports every entry once, in order, batch by batch, before the checkpoint covering it', async (t) => {
    const dir = tempDir(t);
    const calls: Array<readonly CommittedRecord[]> = [];
    const log: string[] = [];
    const resolvedAtCall: boolean[] = [];
    const settled = new Set<string>();
    const audit = await openTestLog(dir, {
      now: frozenClock().now,
      checkpoints: { every: 10, intervalMs: 3_600_000 },
      onCommitted: (records) => {
        calls.push(records);
        log.push(`entries ${records[0]!.seq}..${records.at(-1)!.seq}`);
        resolvedAtCall.push(records.every((r) => !settled.has(r.id)));
      },
      onCheckpoint: (cp) => log.push(`checkpoint ${cp.size}`),
    });
    const inputs = Array.from({ length: 25 }, (_, i) => sampleEvent(i));
    const receipts: AppendReceipt[] = [];
    // Three waves of appends: at least three batches.
    for (const wave of [inputs.slice(0, 8), inputs.slice(8, 16), inputs.slice(16)]) {
      receipts.push(
        ...(await Promise.all(
          wave.map((input) =>
            audit.append(input).then((r) => {
              settled.add(r.id);
              return r;
            }),
          ),
        )),
      );
    }
    await audit.close();

    const records = calls.flat();
    assert.deepEqual(
      records.map((r) => r.seq),
      Array.from({ length: 25 }, (_, i) => i + 1),
      'each entry once, in order',
    );
    assert.ok(calls.length >= 3, 'one call per batch');
    assert.ok(resolvedAtCall.every(Boolean), 'called before any then() of those appends ran, after resolve');
    for (let i = 0; i < 25; i++) {
      const r = records[i]!;
      const receipt = receipts[i]!;
      assert.equal(receipt.status === 'committed' && receipt.hash, r.hash);
      assert.equal(r.id, receipt.id);
      assert.equal(r.event.id, r.id);
      assert.equal(r.event.name, inputs[i]!.name);
      assert.equal(leafHash(r.leaf).toString('hex'), r.hash);
      assert.deepEqual(JSON.parse(r.leaf).event, JSON.parse(JSON.stringify(r.event)));
    }
    // Every checkpoint comes after the call that reported the entry it ends at.
    let reported = 0;
    for (const line of log) {
      const entries = /entries \d+\.\.(\d+)/.exec(line);
      if (entries) reported = Number(entries[1]);
      const cp = /checkpoint (\d+)/.exec(line);
      if (cp) assert.ok(Number(cp[1]) <= reported, log.join('; '));
    }
    assert.ok(log.some((line) => line.startsWith('checkpoint')));
  });

  it('ignores an exception thrown by the hook', async (t) => {
    const audit = await openTestLog(tempDir(t), {
      onCommitted: () => {
        throw new Error('forwarder down');
      },
    });
    assert.equal((await audit.append(sampleEvent(1))).status, 'committed');
    assert.equal((await audit.append(sampleEvent(2))).status, 'committed');
    await audit.close();
  });
});
