// The JSONL sink writes a file that `rampart audit verify --file` accepts: one header, entries as committed and
// checkpoints as signed (after the entries they cover). A restart continues the file (no second header, no
// duplicate), a torn last line is cut, and a file of another chain is moved aside instead of being mixed in.
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createForwarders } from '../../../src/audit/sinks/forwarder.ts';
import { verifyJsonlFile } from '../../../src/audit/verify.ts';
import { auditSinkSchema } from '../../../src/config/audit-sinks-schema.ts';
import { sampleEvent, tempDir } from '../helpers.ts';
import { captureLog, deps, makeChain, type TestChain } from './helpers.ts';

const config = auditSinkSchema.parse({ type: 'jsonl', path: 'audit/copy.jsonl' });

function lineTypes(file: string): string[] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const value = JSON.parse(line) as { type: string; seq?: number; size?: number };
      return value.type === 'entry' ? `e${value.seq}` : value.type === 'checkpoint' ? `c${value.size}` : 'h';
    });
}

/** One run of the gateway: a sink, some records and checkpoints, close. */
async function run(chain: TestChain, dir: string, from: number, to: number, log = captureLog().log) {
  const [sink] = createForwarders([config], deps(chain, dir, log));
  assert.ok(sink);
  for (let seq = from; seq <= to; seq++) {
    sink.forward([chain.records[seq - 1]!]);
    const cp = chain.checkpoints.find((c) => c.size === seq);
    if (cp) sink.checkpoint?.(cp);
  }
  await sink.close();
  return sink.stats();
}

describe('JSONL sink', () => {
  it('writes a file that verifies, and continues it after a restart', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 12, { every: 5 });
    const file = path.join(dir, 'audit/copy.jsonl');

    assert.deepEqual(await run(chain, dir, 1, 7), { sent: 8, dropped: 0, failed: 0, queued: 0 });
    let report = await verifyJsonlFile(file);
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.verified, 7);
    assert.equal(report.checkpointsVerified, 1);
    assert.equal(report.keyId, chain.key.keyId);

    // Restart: the same file goes on; the records the log hands over again (8 was "sent" just before a crash,
    // say) are not repeated.
    appendFileSync(file, `${JSON.stringify({ type: 'entry', seq: 8 }).slice(0, 10)}`); // a torn write
    const { log, lines } = captureLog();
    await run(chain, dir, 7, 12, log);
    assert.ok(lines.some((l) => l['msg'] === 'audit sink cut a torn line off the end of its file'));
    assert.deepEqual(lineTypes(file), [
      'h',
      ...['e1', 'e2', 'e3', 'e4', 'e5', 'c5', 'e6', 'e7'],
      ...['e8', 'e9', 'e10', 'c10', 'e11', 'e12'],
    ]);
    report = await verifyJsonlFile(file, { publicKeyPem: chain.key.publicKeyPem });
    assert.equal(report.ok, true, report.problem?.message);
    assert.equal(report.verified, 12);
    assert.equal(report.checkpointsVerified, 2);
    assert.equal(report.unsealed, 2);
  });

  it('is found out by verify when an entry in it is changed', async (t) => {
    const dir = tempDir(t);
    const chain = makeChain(dir, 6, { every: 3 });
    const file = path.join(dir, 'audit/copy.jsonl');
    await run(chain, dir, 1, 6);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const i = lines.findIndex((l) => l.includes('"seq":2}'));
    lines[i] = lines[i]!.replace('"decision":"allowed"', '"decision":"denied"');
    appendFileSync(`${file}.tampered`, `${lines.join('\n')}\n`);
    const report = await verifyJsonlFile(`${file}.tampered`);
    assert.equal(report.ok, false);
    assert.equal(report.problem?.code, 'RAMPART_AUDIT_ENTRY_MODIFIED');
    assert.equal(report.problem?.seq, 2);
  });

  it('moves the file of another chain aside and starts a new one', async (t) => {
    const dir = tempDir(t);
    const first = makeChain(path.join(dir, 'state-a'), 3);
    const second = makeChain(path.join(dir, 'state-b'), 2);
    const file = path.join(dir, 'audit/copy.jsonl');
    await run(first, dir, 1, 3);
    const { log, lines } = captureLog();
    await run(second, dir, 1, 2, log);
    assert.ok(
      lines.some((l) => l['msg'] === 'audit sink began a new file: the old one belongs to another chain'),
    );
    const aside = readdirSync(path.dirname(file)).filter((name) => name.startsWith('copy.jsonl.'));
    assert.equal(aside.length, 1);
    const old = await verifyJsonlFile(path.join(path.dirname(file), aside[0]!));
    assert.equal(old.ok, true);
    assert.equal(old.verified, 3);
    const current = await verifyJsonlFile(file);
    assert.equal(current.ok, true, current.problem?.message);
    assert.equal(current.verified, 2);
    assert.equal(current.keyId, second.key.keyId);
  });

  it('moves the file aside when the same key starts a new chain', async (t) => {
    const dir = tempDir(t);
    const state = path.join(dir, 'state');
    const first = makeChain(state, 3);
    // The same signing key, the log started over (its database was removed): other entries at the same seqs.
    const again = makeChain(state, 4, { event: (i) => sampleEvent(i + 100) });
    const file = path.join(dir, 'audit/copy.jsonl');
    await run(first, dir, 1, 3);
    await run(again, dir, 4, 4); // entry 4 of the new chain does not link to entry 3 of the old one
    const aside = readdirSync(path.dirname(file)).filter((name) => name.startsWith('copy.jsonl.'));
    assert.equal(aside.length, 1);
    assert.equal((await verifyJsonlFile(path.join(path.dirname(file), aside[0]!))).verified, 3);
    assert.deepEqual(lineTypes(file), ['h', 'e4']);
  });
});
