// `kill -9` of a running `rampart serve` during a bounded load of tool calls from several sessions: every call a
// client saw answered is in the audit log (same session, request id, tool and decision), and the chain and its
// signed checkpoints verify. This is the end-to-end form of "durable before the response is released".
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { readSigningKey } from '../../src/audit/signing-key.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { FIXTURE, NODE } from '../helpers/rampart.ts';
import { serveRampart } from '../helpers/rampart-serve.ts';

const SESSIONS = 8;
/** Upper bound of the load: the kill comes long before it. */
const CALLS_PER_SESSION = 2000;
const KILL_AFTER_ANSWERS = 600;

describe('audit under kill -9 of the gateway', () => {
  it('has every answered call in the log, and the log verifies', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-crash-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const configFile = path.join(dir, 'rampart.yaml');
    writeFileSync(
      configFile,
      [
        'listen: { host: 127.0.0.1, port: 0 }',
        'stateDir: state',
        'log: { level: error }',
        'audit: { checkpoints: { every: 200, intervalMs: 200 } }',
        'integrity: { mode: tofu }',
        'servers:',
        `  - { name: fx, command: ${JSON.stringify(NODE)}, args: [${JSON.stringify(FIXTURE)}, --transport, stdio], sandbox: off }`,
        '',
      ].join('\n'),
    );
    const { child, url } = await serveRampart(configFile);
    const exited = new Promise((resolve) => child.once('exit', resolve));

    /** `session requestId` of every call whose answer a client received. */
    const answered = new Set<string>();
    let killed = false;
    const session = async (n: number) => {
      const client = new LegacyClient(url);
      await client.initialize();
      for (let i = 0; i < CALLS_PER_SESSION && !killed; i++) {
        const answer = await client
          .request('tools/call', { name: 'fx__echo', arguments: { text: `s${n} call ${i}` } })
          .catch(() => undefined);
        if (!answer?.response || !('result' in answer.response)) break;
        answered.add(`${client.sessionId} ${String(answer.response['id'])}`);
        if (answered.size >= KILL_AFTER_ANSWERS && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: SESSIONS }, (_, n) => session(n)));
    assert.ok(killed, 'the gateway was killed mid-load');
    await exited;
    assert.equal(child.signalCode, 'SIGKILL');

    const stateDir = path.join(dir, 'state');
    const store = openAuditStore(stateDir);
    const logged = await store.read(async (reader) => {
      const found = new Set<string>();
      for await (const entry of reader.entries()) {
        const event = parseLeaf(entry.leaf)!.event;
        if (
          event['method'] === 'tools/call' &&
          event['decision'] === 'allowed' &&
          event['name'] === 'fx__echo'
        )
          found.add(`${event['session']} ${event['requestId']}`);
      }
      return found;
    });
    const report = await verifyStore(store, readSigningKey(stateDir));
    await store.close();
    const missing = [...answered].filter((key) => !logged.has(key));
    assert.deepEqual(missing, [], 'answered but not in the audit log');
    assert.ok(answered.size >= KILL_AFTER_ANSWERS);
    assert.equal(report.ok, true, report.problem?.message);
    assert.ok(report.checkpointsVerified > 0, 'signed checkpoints were written during the load');
  });
});
