// kill -9 during a bounded load: every append the child saw acknowledged is in the log with the hash it was
// told, the chain and checkpoints verify, and the log continues after a restart.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openAuditLog, openAuditStore } from '../../src/audit/open.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { REPO, sampleEvent, stateKey, tempDir } from './helpers.ts';

const CHILD = path.join(REPO, 'test/audit/append-child.ts');

/** Runs the child until it has acknowledged `killAfter` appends, then SIGKILLs it; returns every ack it printed. */
async function appendAndKill(stateDir: string, killAfter: number): Promise<Map<number, string>> {
  const child = spawn(process.execPath, [CHILD, stateDir, '20000', '16', '20'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const acked = new Map<number, string>();
  let buffered = '';
  let killed = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [seq, hash] = line.split(' ');
      if (hash) acked.set(Number(seq), hash);
    }
    if (!killed && acked.size >= killAfter) {
      killed = true;
      child.kill('SIGKILL');
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (c, s) => resolve([c, s])),
  );
  assert.equal(signal, 'SIGKILL', `the child was to be killed mid-load, it exited with ${code}`);
  return acked;
}

describe('crash safety', () => {
  it('keeps every acknowledged append after SIGKILL, and the log verifies and continues', async (t) => {
    const dir = tempDir(t);
    const acked = await appendAndKill(dir, 1500);
    assert.ok(acked.size >= 1500);

    const store = openAuditStore(dir);
    const missing: number[] = [];
    await store.read(async (reader) => {
      for (const [seq, hash] of acked) {
        const entry = await reader.entryBySeq(seq);
        if (!entry || entry.hash.toString('hex') !== hash) missing.push(seq);
      }
    });
    assert.deepEqual(missing, [], 'acknowledged but not in the log');
    const report = await verifyStore(store, stateKey(dir));
    await store.close();
    assert.equal(report.ok, true, report.problem?.message);
    assert.ok(report.verified >= acked.size);
    assert.ok(report.checkpointsVerified > 0);

    // A restart continues the same chain.
    const log = await openAuditLog(dir);
    const next = await log.append(sampleEvent(0));
    assert.equal(next.status === 'committed' && next.seq, report.verified + 1);
    await log.close();
    const again = openAuditStore(dir);
    const after = await verifyStore(again, stateKey(dir));
    await again.close();
    assert.equal(after.ok, true, after.problem?.message);
    assert.equal(after.verified, report.verified + 1);
    assert.equal(after.unsealed, 0, 'close() sealed the log');
  });

  it('survives repeated kills at different points of the load', async (t) => {
    const dir = tempDir(t);
    const all = new Map<number, string>();
    for (const killAfter of [100, 700, 300]) {
      for (const [seq, hash] of await appendAndKill(dir, killAfter)) all.set(seq, hash);
    }
    const store = openAuditStore(dir);
    const lost: number[] = [];
    await store.read(async (reader) => {
      for (const [seq, hash] of all) {
        if ((await reader.entryBySeq(seq))?.hash.toString('hex') !== hash) lost.push(seq);
      }
    });
    const report = await verifyStore(store, stateKey(dir));
    await store.close();
    assert.deepEqual(lost, []);
    assert.equal(report.ok, true, report.problem?.message);
  });
});
