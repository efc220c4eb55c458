// Lifecycle of a Rampart instance: graceful shutdown drains in-flight requests before closing upstreams and
// refuses new ones; every request leaves one event in the audit log before its answer is released.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseLeaf } from '../src/audit/chain.ts';
import { openAuditStore } from '../src/audit/open.ts';
import { readSigningKey } from '../src/audit/signing-key.ts';
import { verifyStore } from '../src/audit/verify.ts';
import { configSchema } from '../src/config/schema.ts';
import { createLogger } from '../src/monitor/logger.ts';
import { Rampart } from '../src/runtime.ts';
import { LegacyClient, post, rpcError } from './helpers/mcp-client.ts';
import { fixtureServer, REPO, startRampart } from './helpers/rampart.ts';

describe('runtime', () => {
  it('drains an in-flight call on shutdown, refuses new work, then stops the upstream', async () => {
    const gw = await startRampart({ servers: [fixtureServer('fx', 'legacy')] });
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const pid = gw.rampart.gateway.upstreams[0]!.pid!;
    const slow = client.request('tools/call', { name: 'fx__slow', arguments: { ms: 400 } });
    await new Promise((r) => setTimeout(r, 100));
    const stopping = gw.stop();
    const late = await post(
      gw.url,
      { jsonrpc: '2.0', id: 9, method: 'ping' },
      { headers: client.headers() },
    ).catch(() => undefined);
    // Either the listener is already closed (connection refused) or the draining server answers 503.
    assert.ok(late === undefined || rpcError(late).data.code === 'RAMPART_SHUTTING_DOWN');
    const answer = await slow;
    assert.match(JSON.stringify(answer.response?.['result']), /slept 400ms/);
    await stopping;
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  it('records one audit event per request, durable before the answer, with server, method, name and decision', async () => {
    const gw = await startRampart({ servers: [fixtureServer('fx', 'legacy')] });
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', { name: 'fx__echo', arguments: { text: 'x' } });
    // Read while Rampart still runs: an answered call is already in the log.
    const events = (await auditEvents(path.dirname(gw.rampart.store.file))).filter(
      (e) => e['decision'] !== 'config_changed' && e['decision'] !== 'pin_changed',
    );
    await client.request('tools/call', { name: 'fx__nope', arguments: {} });
    await gw.rampart.stop();
    const after = (await auditEvents(path.dirname(gw.rampart.store.file))).filter(
      (e) => e['decision'] !== 'config_changed' && e['decision'] !== 'pin_changed',
    );
    const pick = (e: Record<string, unknown>) => ({
      server: e['server'],
      method: e['method'],
      name: e['name'],
      decision: e['decision'],
      code: e['code'],
      session: e['session'],
    });
    assert.deepEqual(events.map(pick), [
      {
        server: null,
        method: 'initialize',
        name: null,
        decision: 'allowed',
        code: null,
        session: client.sessionId,
      },
      {
        server: 'fx',
        method: 'tools/call',
        name: 'fx__echo',
        decision: 'allowed',
        code: null,
        session: client.sessionId,
      },
    ]);
    assert.deepEqual(pick(after[2]!), {
      server: null,
      method: 'tools/call',
      name: 'fx__nope',
      decision: 'errored',
      code: 'RAMPART_UNKNOWN_TOOL',
      session: client.sessionId,
    });
    // digest mode (the default): the arguments are a SHA-256 of their RFC 8785 form, never the values.
    assert.deepEqual(events[1]!['arguments'], {
      mode: 'digest',
      sha256: createHash('sha256').update('{"text":"x"}').digest('hex'),
    });
    const stateDir = path.dirname(gw.rampart.store.file);
    const store = openAuditStore(stateDir);
    const report = await verifyStore(store, readSigningKey(stateDir));
    await store.close();
    assert.equal(report.ok, true);
    await gw.stop();
  });

  it('records a config_changed event when it starts with a configuration other than the last one', async (t) => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'rampart-config-'));
    t.after(() => rmSync(stateDir, { recursive: true, force: true }));
    const start = async (servers: unknown[]) => {
      const config = configSchema.parse({
        listen: { host: '127.0.0.1', port: 0 },
        stateDir,
        log: { level: 'silent' },
        servers,
      });
      const rampart = new Rampart(config, { baseDir: REPO, log: createLogger('silent') });
      await rampart.start();
      await rampart.stop();
    };
    await start([fixtureServer('fx', 'legacy')]);
    await start([fixtureServer('fx', 'legacy')]);
    await start([fixtureServer('fx', 'legacy'), fixtureServer('fy', 'legacy')]);
    const changes = (await auditEvents(stateDir)).filter((e) => e['decision'] === 'config_changed');
    assert.equal(changes.length, 2, 'the unchanged restart records nothing');
    const [first, second] = changes.map((e) => e['detail'] as Record<string, unknown>);
    assert.equal(first!['previousSha256'], null);
    assert.deepEqual(first!['servers'], ['fx']);
    assert.equal(second!['previousSha256'], first!['sha256']);
    assert.deepEqual(second!['servers'], ['fx', 'fy']);
  });

  it('records a refused initialize once, as the pipeline decided it', async (t) => {
    const stateDir = mkdtempSync(path.join(tmpdir(), 'rampart-init-'));
    t.after(() => rmSync(stateDir, { recursive: true, force: true }));
    const config = configSchema.parse({
      listen: { host: '127.0.0.1', port: 0 },
      stateDir,
      log: { level: 'silent' },
      servers: [fixtureServer('fx', 'legacy')],
    });
    const rampart = new Rampart(config, {
      baseDir: REPO,
      log: createLogger('silent'),
      guards: [
        {
          name: 'no-init',
          phase: 'request',
          check: (ctx) =>
            ctx.call.method === 'initialize'
              ? {
                  kind: 'deny',
                  code: 'RAMPART_INSUFFICIENT_SCOPE',
                  ruleId: 'test:no-init',
                  reason: 'not today',
                }
              : { kind: 'pass' },
        },
      ],
    });
    const url = await rampart.start();
    const refused = await new LegacyClient(url).request('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 't', version: '1' },
    });
    assert.equal(rpcError(refused).data.code, 'RAMPART_INSUFFICIENT_SCOPE');
    await rampart.stop();
    const inits = (await auditEvents(stateDir)).filter((e) => e['method'] === 'initialize');
    assert.deepEqual(
      inits.map((e) => [e['decision'], e['ruleIds']]),
      [['denied', ['test:no-init']]],
    );
  });
});

async function auditEvents(stateDir: string): Promise<Array<Record<string, unknown>>> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const events: Array<Record<string, unknown>> = [];
      for await (const entry of reader.entries()) events.push(parseLeaf(entry.leaf)!.event);
      return events;
    });
  } finally {
    await store.close();
  }
}
