// An inclusion proof for one event verifies offline (no store, only the bundle and optionally a pinned key)
// against a signed checkpoint, and fails for any other event, a changed event or a different key.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import type { AppendReceipt } from '../../src/audit/audit-log.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import {
  buildConsistencyProof,
  buildInclusionProof,
  type ProofBundle,
  verifyCheckpointConsistency,
  verifyProofBundle,
} from '../../src/audit/proof.ts';
import { openTestLog, rawDb, sampleEvent, stateKey, tempDir } from './helpers.ts';

async function logWith(t: { after(fn: () => void): void }, n: number) {
  const dir = tempDir(t);
  const log = await openTestLog(dir, { checkpoints: { every: 4, intervalMs: 3_600_000 } });
  const receipts: Array<Extract<AppendReceipt, { status: 'committed' }>> = [];
  for (let i = 1; i <= n; i++) {
    const r = await log.append(sampleEvent(i));
    assert.equal(r.status, 'committed');
    receipts.push(r as Extract<AppendReceipt, { status: 'committed' }>);
  }
  await log.close();
  const store = openAuditStore(dir);
  t.after(() => store.close());
  return { dir, store, receipts, key: stateKey(dir) };
}

/** A JSON round trip: what an auditor receives in a file. */
function offline(bundle: ProofBundle): ProofBundle {
  return JSON.parse(JSON.stringify(bundle)) as ProofBundle;
}

describe('inclusion proofs', () => {
  it('verify offline for every event of a log whose size is not a power of two', async (t) => {
    const { store, receipts, key } = await logWith(t, 13);
    for (const r of receipts) {
      const bundle = offline(await buildInclusionProof(store, key, { id: r.id }));
      assert.equal(bundle.entry.seq, r.seq);
      assert.equal(bundle.entry.hash, r.hash);
      const check = verifyProofBundle(bundle, key.publicKeyPem);
      assert.deepEqual(check, { ok: true, seq: r.seq, treeSize: 13, keyId: key.keyId });
    }
  });

  it('fail for a different event with the same path', async (t) => {
    const { store, receipts, key } = await logWith(t, 13);
    const a = offline(await buildInclusionProof(store, key, { id: receipts[4]!.id }));
    const b = offline(await buildInclusionProof(store, key, { id: receipts[5]!.id }));
    const swapped = { ...a, entry: b.entry };
    const check = verifyProofBundle(swapped);
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.code, 'RAMPART_AUDIT_PROOF_INVALID');
    assert.equal(!check.ok && check.reason, 'inclusion path');
  });

  it('fail when the event was changed', async (t) => {
    const { store, receipts, key } = await logWith(t, 13);
    const bundle = offline(await buildInclusionProof(store, key, { id: receipts[2]!.id }));
    (bundle.entry.event as Record<string, unknown>)['decision'] = 'allowed';
    (bundle.entry.event as Record<string, unknown>)['name'] = 'harmless';
    assert.equal(verifyProofBundle(bundle).ok, false);
  });

  it('fail against a pinned key that did not sign the checkpoint', async (t) => {
    const { store, receipts, key } = await logWith(t, 5);
    const bundle = offline(await buildInclusionProof(store, key, { seq: receipts[0]!.seq }));
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const check = verifyProofBundle(bundle, other);
    assert.equal(!check.ok && check.reason, 'checkpoint signature');
  });

  it('find events by id whether the clock moved forward or stepped back', async (t) => {
    const dir = tempDir(t);
    let now = Date.parse('2026-01-15T10:00:00.000Z');
    const log = await openTestLog(dir, { now: () => now });
    const ids: string[] = [];
    for (let i = 1; i <= 40; i++) {
      now += i === 30 ? -60_000 : 7; // an NTP step back after entry 29
      ids.push((await log.append(sampleEvent(i))).id);
    }
    await log.close();
    const store = openAuditStore(dir);
    t.after(() => store.close());
    const key = stateKey(dir);
    for (const [i, id] of ids.entries()) {
      assert.equal((await buildInclusionProof(store, key, { id })).entry.seq, i + 1);
    }
  });

  it('are refused for an unknown id', async (t) => {
    const { store, key } = await logWith(t, 3);
    await assert.rejects(buildInclusionProof(store, key, { id: 'no-such-id' }), {
      code: 'RAMPART_AUDIT_NOT_FOUND',
    });
  });

  it('are refused for a store that disagrees with its checkpoint', async (t) => {
    const { dir, store, receipts, key } = await logWith(t, 8);
    const db = rawDb(dir);
    db.exec(`UPDATE audit_entries SET hash = zeroblob(32) WHERE seq = 2`);
    db.close();
    await assert.rejects(buildInclusionProof(store, key, { id: receipts[5]!.id }), {
      code: 'RAMPART_AUDIT_INCONSISTENT',
    });
  });
});

describe('consistency of checkpoints', () => {
  it('a later checkpoint provably extends an earlier one', async (t) => {
    const { store, key } = await logWith(t, 13);
    const checkpoints = await store.read((r) => r.checkpoints());
    assert.deepEqual(
      checkpoints.map((c) => c.size),
      [4, 8, 12, 13],
    );
    for (const older of checkpoints) {
      for (const newer of checkpoints.filter((c) => c.size >= older.size)) {
        const proof = await buildConsistencyProof(store, older.size, newer.size);
        assert.equal(verifyCheckpointConsistency(older, newer, proof, key.publicKeyPem), true);
      }
    }
    const [, eight, twelve] = checkpoints;
    const proof = await buildConsistencyProof(store, 8, 12);
    const forged = { ...eight!, root: twelve!.root };
    assert.equal(verifyCheckpointConsistency(forged, twelve!, proof, key.publicKeyPem), false);
  });
});
