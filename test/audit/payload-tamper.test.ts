// A stored payload is checked twice when it is read: AES-GCM authenticates it for exactly its event, field and key
// (AAD), and the plaintext must match the HMAC commitment inside the hashed event. Changed bytes, ciphertexts
// swapped between events, a changed key id and a re-encrypted payload (by someone holding the keys) are all
// reported as tampering, and `rampart audit show` exits 1.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppendReceipt } from '../../src/audit/audit-log.ts';
import { readMasterKey } from '../../src/audit/privacy/master-key.ts';
import { openPayload, sealPayload, unwrapSubjectKey } from '../../src/audit/privacy/payload-crypto.ts';
import { eventOf, frozenClock, openTestLog, rawDb, showIn, tempDir } from './helpers.ts';

async function twoEvents(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const log = await openTestLog(dir, { payloadMode: 'full', now: frozenClock().now });
  const a = (await log.append(eventOf('alice', 1))) as Extract<AppendReceipt, { status: 'committed' }>;
  const b = (await log.append(eventOf('alice', 2))) as Extract<AppendReceipt, { status: 'committed' }>;
  await log.close();
  return { dir, a, b };
}

function blobOf(dir: string, seq: number, field: 'arguments' | 'result'): Buffer {
  const db = rawDb(dir);
  try {
    const row = db.prepare(`SELECT ${field} AS blob FROM audit_payloads WHERE seq = ?`).get(seq) as {
      blob: Uint8Array;
    };
    return Buffer.from(row.blob);
  } finally {
    db.close();
  }
}

function setBlob(dir: string, seq: number, field: 'arguments' | 'result', blob: Uint8Array): void {
  const db = rawDb(dir);
  db.prepare(`UPDATE audit_payloads SET ${field} = ? WHERE seq = ?`).run(blob, seq);
  db.close();
}

describe('payload tampering', () => {
  it('finds a modified ciphertext (GCM authentication fails)', async (t) => {
    const { dir, a } = await twoEvents(t);
    const blob = blobOf(dir, a.seq, 'arguments');
    blob[20]! ^= 0x01;
    setBlob(dir, a.seq, 'arguments', blob);
    const shown = await showIn(dir, { id: a.id });
    assert.equal(shown.ok, false);
    assert.equal(shown.payloads.arguments?.status, 'tampered');
    assert.equal(
      shown.payloads.arguments?.status === 'tampered' && shown.payloads.arguments.check,
      'authentication',
    );
    assert.equal(shown.payloads.result?.status, 'ok', 'the other field is intact');
  });

  it('finds ciphertexts swapped between two events of the same subject (AAD mismatch)', async (t) => {
    const { dir, a, b } = await twoEvents(t);
    const blobA = blobOf(dir, a.seq, 'arguments');
    const blobB = blobOf(dir, b.seq, 'arguments');
    setBlob(dir, a.seq, 'arguments', blobB);
    setBlob(dir, b.seq, 'arguments', blobA);
    for (const r of [a, b]) {
      const shown = await showIn(dir, { id: r.id });
      assert.equal(shown.ok, false);
      assert.deepEqual(
        shown.payloads.arguments?.status === 'tampered' && shown.payloads.arguments.check,
        'authentication',
      );
    }
    // The moved ciphertext itself is intact: only its binding to the event (the AAD) rejects it.
    const keyId = ((await showIn(dir, { id: a.id })).event['arguments'] as { sealed: { key: string } }).sealed
      .key;
    const db = rawDb(dir);
    const row = db
      .prepare('SELECT key_id, subject_ref, wrapped_key, created_ms FROM audit_subject_keys WHERE key_id = ?')
      .get(keyId) as { key_id: string; subject_ref: string; wrapped_key: Uint8Array; created_ms: number };
    db.close();
    const key = unwrapSubjectKey(readMasterKey(dir), {
      keyId: row.key_id,
      subjectRef: row.subject_ref,
      wrapped: row.wrapped_key,
      createdMs: row.created_ms,
    });
    const plain = openPayload(key, b.id, 'arguments', blobB.subarray(0, 12), blobB.subarray(12));
    assert.deepEqual(JSON.parse(plain.toString('utf8')), eventOf('alice', 2).arguments);
    assert.throws(() => openPayload(key, a.id, 'arguments', blobB.subarray(0, 12), blobB.subarray(12)));
    assert.throws(() => openPayload(key, b.id, 'result', blobB.subarray(0, 12), blobB.subarray(12)));
  });

  it('finds a payload re-encrypted by someone holding the keys (it no longer matches the commitment)', async (t) => {
    const { dir, a } = await twoEvents(t);
    const keyId = ((await showIn(dir, { id: a.id })).event['arguments'] as { sealed: { key: string } }).sealed
      .key;
    const db = rawDb(dir);
    const row = db
      .prepare('SELECT key_id, subject_ref, wrapped_key, created_ms FROM audit_subject_keys WHERE key_id = ?')
      .get(keyId) as { key_id: string; subject_ref: string; wrapped_key: Uint8Array; created_ms: number };
    const key = unwrapSubjectKey(readMasterKey(dir), {
      keyId: row.key_id,
      subjectRef: row.subject_ref,
      wrapped: row.wrapped_key,
      createdMs: row.created_ms,
    });
    const forged = sealPayload(key, a.id, 'arguments', '{"path":"/nothing/to/see"}');
    db.prepare('UPDATE audit_payloads SET arguments = ? WHERE seq = ?').run(
      Buffer.concat([forged.nonce, forged.ciphertext]),
      a.seq,
    );
    db.close();
    const shown = await showIn(dir, { id: a.id });
    assert.equal(shown.ok, false);
    assert.equal(
      shown.payloads.arguments?.status === 'tampered' && shown.payloads.arguments.check,
      'commitment',
    );
  });

  it('finds a row relabelled with another key id', async (t) => {
    const { dir, a } = await twoEvents(t);
    const db = rawDb(dir);
    db.prepare(`UPDATE audit_payloads SET key_id = 'ffffffffffffffffffffffff' WHERE seq = ?`).run(a.seq);
    db.close();
    const shown = await showIn(dir, { id: a.id });
    assert.equal(shown.payloads.arguments?.status === 'tampered' && shown.payloads.arguments.check, 'key');
  });
});
