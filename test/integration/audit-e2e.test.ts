// The audit log of a running Rampart with payloads kept (`full`) and two sinks: the tool call's arguments and
// result are sealed under the caller's key and open with `audit show`; the JSONL sink's file verifies on its own;
// the syslog receiver got one RFC 5424 line per committed entry; erasing the subject leaves the payloads unreadable
// while the log still verifies.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { eraseSubject, openAuditStore } from '../../src/audit/open.ts';
import { readMasterKey } from '../../src/audit/privacy/master-key.ts';
import { showEvent } from '../../src/audit/privacy/show.ts';
import { readSigningKey } from '../../src/audit/signing-key.ts';
import { verifyJsonlFile, verifyStore } from '../../src/audit/verify.ts';
import { waitFor } from '../audit/sinks/helpers.ts';
import { udpReceiver } from '../audit/sinks/receivers.ts';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { fixtureServer, startRampart } from '../helpers/rampart.ts';

async function toolCallSeqs(stateDir: string): Promise<number[]> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const seqs: number[] = [];
      for await (const entry of reader.entries()) {
        if (parseLeaf(entry.leaf)!.event['method'] === 'tools/call') seqs.push(entry.seq);
      }
      return seqs;
    });
  } finally {
    await store.close();
  }
}

describe('audit log of a running gateway', () => {
  it('seals payloads, feeds its sinks, and survives erasure of the subject', async (t) => {
    const syslog = await udpReceiver();
    t.after(() => syslog.close());
    const copyDir = mkdtempSync(path.join(tmpdir(), 'rampart-audit-copy-'));
    t.after(() => rmSync(copyDir, { recursive: true, force: true }));
    const copy = path.join(copyDir, 'audit-copy.jsonl');
    const gw = await startRampart({
      servers: [fixtureServer('fx', 'legacy')],
      audit: {
        payloads: 'full',
        sinks: [
          { type: 'jsonl', path: copy },
          { type: 'syslog', format: 'rfc5424', transport: 'udp', host: '127.0.0.1', port: syslog.port },
        ],
      },
    });
    const stateDir = path.dirname(gw.rampart.store.file);
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', { name: 'fx__echo', arguments: { text: 'card on file 4111' } });
    await gw.rampart.stop();
    t.after(() => gw.stop());

    const [seq] = await toolCallSeqs(stateDir);
    const store = openAuditStore(stateDir);
    const shown = await showEvent(store, readMasterKey(stateDir), { seq: seq! });
    await store.close();
    assert.equal(shown.ok, true);
    assert.deepEqual(shown.payloads.arguments, {
      status: 'ok',
      mode: 'full',
      value: { text: 'card on file 4111' },
    });
    assert.equal(shown.payloads.result?.status, 'ok');
    assert.doesNotMatch(JSON.stringify(shown.event), /4111/, 'the chained event holds only a commitment');

    // The JSONL copy verifies on its own.
    const fileReport = await verifyJsonlFile(copy);
    assert.equal(fileReport.ok, true, fileReport.problem?.message);
    assert.ok(fileReport.verified >= 2);

    await waitFor(() => syslog.datagrams.length >= 2, 5000, 'syslog datagrams');
    for (const datagram of syslog.datagrams) assert.match(datagram.toString('utf8'), /^<\d{1,3}>1 \d{4}-/);

    await eraseSubject(stateDir, { anonymous: true }, { reason: 'test erasure' });
    const after = openAuditStore(stateDir);
    const erased = await showEvent(after, readMasterKey(stateDir), { seq: seq! });
    const report = await verifyStore(after, readSigningKey(stateDir));
    await after.close();
    assert.equal(erased.payloads.arguments?.status, 'erased');
    assert.equal(report.ok, true, report.problem?.message);
  });

  it('in redacted mode keeps the payload with what is plainly sensitive masked', async (t) => {
    const gw = await startRampart({
      servers: [fixtureServer('fx', 'legacy')],
      audit: { payloads: 'redacted' },
    });
    t.after(() => gw.stop());
    const stateDir = path.dirname(gw.rampart.store.file);
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', { name: 'fx__echo', arguments: { text: 'write to bob@example.com' } });
    await gw.rampart.stop();
    const [seq] = await toolCallSeqs(stateDir);
    const store = openAuditStore(stateDir);
    const shown = await showEvent(store, readMasterKey(stateDir), { seq: seq! });
    await store.close();
    assert.deepEqual(shown.payloads.arguments, {
      status: 'ok',
      mode: 'redacted',
      value: { text: 'write to [REDACTED:email]' },
    });
  });
});
