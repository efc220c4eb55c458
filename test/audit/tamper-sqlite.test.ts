// Every kind of tampering with the SQLite store is found by verify, which names the first entry that cannot be
// trusted. The log holds 20 entries with signed checkpoints at 5, 10, 15 and 20; tampering happens at 7.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { leafText, parseLeaf } from '../../src/audit/chain.ts';
import { leafHash } from '../../src/audit/merkle.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import {
  appendSequentially,
  forgeEntry,
  openTestLog,
  rawDb,
  rawEntry,
  stateKey,
  tempDir,
} from './helpers.ts';

async function logOf20(t: { after(fn: () => void): void }): Promise<string> {
  const dir = tempDir(t);
  const log = await openTestLog(dir);
  await appendSequentially(log, 20);
  await log.close();
  return dir;
}

async function verifyDir(dir: string) {
  const store = openAuditStore(dir);
  try {
    return await verifyStore(store, stateKey(dir));
  } finally {
    await store.close();
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

describe('verify on the SQLite store', () => {
  it('passes an untouched log and checks every checkpoint', async (t) => {
    const report = await verifyDir(await logOf20(t));
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.verified, 20);
    assert.equal(report.checkpointsVerified, 4);
    assert.equal(report.latestCheckpoint?.size, 20);
  });

  it('finds a modified field at its entry', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    db.exec(`UPDATE audit_entries SET leaf = replace(leaf, '"tool-7"', '"tool-x"') WHERE seq = 7`);
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MODIFIED');
    assert.equal(report.problem?.seq, 7);
    assert.equal(report.verified, 6);
  });

  it('finds a modified entry whose hash was recomputed, at that entry', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    const entry = rawEntry(db, 7);
    const leaf = parseLeaf(entry.leaf)!;
    const rewritten = leafText(
      7,
      leaf.prev,
      canonicalJson({ ...leaf.event, decision: 'allowed', name: 'tool-x' }),
    );
    db.prepare('UPDATE audit_entries SET leaf = ?, hash = ? WHERE seq = 7').run(
      rewritten,
      leafHash(rewritten),
    );
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MODIFIED');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds a deleted row', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    db.exec('DELETE FROM audit_entries WHERE seq = 7');
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MISSING');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds a forged row inserted (later rows renumbered) at its position', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    const forged = forgeEntry(7, hex(rawEntry(db, 6).hash));
    db.exec('UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 7');
    db.exec('UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1007');
    db.prepare('INSERT INTO audit_entries (seq, id, leaf, hash) VALUES (7, ?, ?, ?)').run(
      forged.id,
      forged.leaf,
      forged.hash,
    );
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_INSERTED');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds two swapped rows', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    db.exec('UPDATE audit_entries SET seq = -1 WHERE seq = 7');
    db.exec('UPDATE audit_entries SET seq = 7 WHERE seq = 8');
    db.exec('UPDATE audit_entries SET seq = 8 WHERE seq = -1');
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_REORDERED');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds a truncated tail against the latest signed checkpoint', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    db.exec('DELETE FROM audit_entries WHERE seq > 12');
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_TRUNCATED');
    assert.equal(report.problem?.seq, 13);
    assert.equal(report.verified, 12);
  });

  it('finds a consistently rewritten suffix through the first checkpoint it breaks', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    // Rewrite 7..20 and re-link every hash: the chain alone now looks fine; only the signatures tell.
    let prev = hex(rawEntry(db, 6).hash);
    for (let seq = 7; seq <= 20; seq++) {
      const leaf = parseLeaf(rawEntry(db, seq).leaf)!;
      const text = leafText(seq, prev, canonicalJson({ ...leaf.event, name: `rewritten-${seq}` }));
      const hash = leafHash(text);
      db.prepare('UPDATE audit_entries SET leaf = ?, hash = ? WHERE seq = ?').run(text, hash, seq);
      prev = hash.toString('hex');
    }
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_CHECKPOINT_MISMATCH');
    assert.equal(
      report.problem?.seq,
      6,
      'entries up to the checkpoint at 5 are proven; 6..10 is where it changed',
    );
  });

  it('finds a checkpoint that was altered (its signature no longer verifies)', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    db.exec(`UPDATE audit_checkpoints SET root = '${'0'.repeat(64)}' WHERE size = 10`);
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_CHECKPOINT_INVALID');
    assert.equal(report.problem?.seq, 10);
  });

  it('finds an id column that no longer matches the hashed event', async (t) => {
    const dir = await logOf20(t);
    const db = rawDb(dir);
    db.exec(`UPDATE audit_entries SET id = 'someone-else' WHERE seq = 3`);
    db.close();
    const report = await verifyDir(dir);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MODIFIED');
    assert.equal(report.problem?.seq, 3);
  });
});
