// Every kind of tampering with a JSONL export is found by verify, which names the first bad entry and its line.
// The export holds a header, the checkpoints (5, 10, 15, 20) and then 20 entries; tampering happens at 7.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { exportLog } from '../../src/audit/export.ts';
import { leafHash } from '../../src/audit/merkle.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { verifyJsonlFile } from '../../src/audit/verify.ts';
import { appendSequentially, forgeEntry, openTestLog, stateKey, tempDir } from './helpers.ts';

interface Exported {
  file: string;
  lines: string[];
  /** Index in `lines` of the entry with this sequence number. */
  at(seq: number): number;
}

async function exported(t: { after(fn: () => void): void }): Promise<Exported> {
  const dir = tempDir(t);
  const log = await openTestLog(dir);
  await appendSequentially(log, 20);
  await log.close();
  const file = path.join(dir, 'export.jsonl');
  const store = openAuditStore(dir);
  const out = createWriteStream(file);
  const result = await exportLog(store, stateKey(dir), undefined, out);
  await new Promise((resolve) => out.end(resolve));
  await store.close();
  assert.equal(result.report.ok, true);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return {
    file,
    lines,
    at: (seq) => lines.findIndex((l) => l.includes('"type":"entry"') && JSON.parse(l).seq === seq),
  };
}

function save(x: Exported, lines: string[]): void {
  writeFileSync(x.file, `${lines.join('\n')}\n`);
}

describe('verify on a JSONL export', () => {
  it('passes an untouched export', async (t) => {
    const x = await exported(t);
    assert.equal(x.lines.length, 1 + 4 + 20);
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.verified, 20);
    assert.equal(report.checkpointsVerified, 4);
  });

  it('finds a modified field, with its line', async (t) => {
    const x = await exported(t);
    const i = x.at(7);
    const entry = JSON.parse(x.lines[i]!);
    entry.event.decision = 'allowed';
    entry.event.principal.subject = 'someone-else';
    x.lines[i] = JSON.stringify(entry);
    save(x, x.lines);
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MODIFIED');
    assert.equal(report.problem?.seq, 7);
    assert.equal(report.problem?.line, i + 1);
  });

  it('ignores formatting: a re-serialised but unchanged entry still verifies', async (t) => {
    const x = await exported(t);
    const i = x.at(7);
    x.lines[i] = JSON.stringify(JSON.parse(x.lines[i]!), null, 0).replace('{', '{ ');
    save(x, x.lines);
    assert.equal((await verifyJsonlFile(x.file)).ok, true);
  });

  it('finds a deleted line', async (t) => {
    const x = await exported(t);
    save(
      x,
      x.lines.filter((_, i) => i !== x.at(7)),
    );
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MISSING');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds a forged line inserted, at its position', async (t) => {
    const x = await exported(t);
    const prev = JSON.parse(x.lines[x.at(6)]!).hash as string;
    const forged = forgeEntry(7, prev);
    const line = `{"type":"entry","hash":"${forged.hash.toString('hex')}",${forged.leaf.slice(1)}`;
    const lines = [...x.lines];
    lines.splice(x.at(7), 0, line);
    save(x, lines);
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_INSERTED');
    assert.equal(report.problem?.seq, 7);
    assert.equal(report.problem?.line, x.at(7) + 1);
  });

  it('finds two swapped lines', async (t) => {
    const x = await exported(t);
    const lines = [...x.lines];
    [lines[x.at(7)], lines[x.at(8)]] = [lines[x.at(8)]!, lines[x.at(7)]!];
    save(x, lines);
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_REORDERED');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds an entry moved far from its place', async (t) => {
    const x = await exported(t);
    const lines = [...x.lines];
    const [moved] = lines.splice(x.at(7), 1);
    lines.push(moved!);
    save(x, lines);
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_REORDERED');
    assert.equal(report.problem?.seq, 7);
  });

  it('finds a truncated tail against the latest checkpoint', async (t) => {
    const x = await exported(t);
    save(x, x.lines.slice(0, x.at(12) + 1));
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_TRUNCATED');
    assert.equal(report.problem?.seq, 13);
  });

  it('refuses the checkpoints when a different public key is pinned', async (t) => {
    const x = await exported(t);
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const report = await verifyJsonlFile(x.file, { publicKeyPem: other });
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_CHECKPOINT_INVALID');
  });

  it('reports a line that is not JSON as malformed at its position', async (t) => {
    const x = await exported(t);
    x.lines[x.at(7)] = '{"type":"entry", broken';
    save(x, x.lines);
    const report = await verifyJsonlFile(x.file);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_MALFORMED');
    assert.equal(report.problem?.seq, 7);
  });

  it('names the exact position for every kind of tampering at every position', async (t) => {
    const x = await exported(t);
    const kinds: Record<string, (lines: string[], k: number) => void> = {
      modify: (lines, k) => {
        const e = JSON.parse(lines[x.at(k)]!);
        e.event.name = 'changed';
        lines[x.at(k)] = JSON.stringify(e);
      },
      rehash: (lines, k) => {
        const e = JSON.parse(lines[x.at(k)]!);
        e.event.name = 'changed';
        e.hash = leafHash(canonicalJson({ event: e.event, prev: e.prev, seq: e.seq })).toString('hex');
        lines[x.at(k)] = JSON.stringify(e);
      },
      delete: (lines, k) => {
        lines.splice(x.at(k), 1);
      },
      insert: (lines, k) => {
        const prev = k === 1 ? '0'.repeat(64) : (JSON.parse(lines[x.at(k - 1)]!).hash as string);
        const f = forgeEntry(k, prev);
        lines.splice(x.at(k), 0, `{"type":"entry","hash":"${f.hash.toString('hex')}",${f.leaf.slice(1)}`);
      },
      swap: (lines, k) => {
        [lines[x.at(k)], lines[x.at(k + 1)]] = [lines[x.at(k + 1)]!, lines[x.at(k)]!];
      },
    };
    const expected: Record<string, string> = {
      modify: 'RAMPART_AUDIT_ENTRY_MODIFIED',
      rehash: 'RAMPART_AUDIT_ENTRY_MODIFIED',
      delete: 'RAMPART_AUDIT_ENTRY_MISSING',
      insert: 'RAMPART_AUDIT_ENTRY_INSERTED',
      swap: 'RAMPART_AUDIT_ENTRY_REORDERED',
    };
    for (const [kind, tamper] of Object.entries(kinds)) {
      for (let k = 1; k <= (kind === 'swap' ? 19 : 20); k++) {
        const lines = [...x.lines];
        tamper(lines, k);
        save(x, lines);
        const { problem } = await verifyJsonlFile(x.file);
        const what = `${kind} at ${k}: ${problem?.code} at ${problem?.seq}`;
        if (kind === 'delete' && k === 20) {
          assert.equal(problem?.code, 'RAMPART_AUDIT_TRUNCATED', what);
        } else if (kind === 'rehash' && k === 20) {
          // The last entry, re-hashed: only its checkpoint can tell, and a root covers 16..20 as a whole.
          assert.deepEqual([problem?.code, problem?.seq], ['RAMPART_AUDIT_CHECKPOINT_MISMATCH', 16], what);
          continue;
        } else if (kind === 'rehash' && k === 19) {
          // No successor shows which side of the broken 19-20 link changed; the earlier is named.
          assert.equal(problem?.code, 'RAMPART_AUDIT_CHAIN_BROKEN', what);
        } else {
          assert.equal(problem?.code, expected[kind], what);
        }
        assert.equal(problem?.seq, k, what);
      }
    }
  });
});
