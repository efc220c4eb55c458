// An upstream that dies mid-call: the caller gets a clear error, Rampart stays up, and the child is restarted
// with backoff so the next call works.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, rpcError } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('stdio upstream supervision', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [
        fixtureServer('fx', 'legacy', {
          restart: { initialDelayMs: 50, maxDelayMs: 1000, resetAfterMs: 60_000 },
        }),
      ],
    });
  });
  after(() => gw.stop());

  it('fails the in-flight call with RAMPART_UPSTREAM_CRASHED, restarts the child and serves again', async () => {
    const upstream = gw.rampart.gateway.upstreams[0]!;
    const firstPid = upstream.pid;
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const crash = await client.request('tools/call', { name: 'fx__crash', arguments: {} });
    assert.equal(crash.status, 200);
    assert.equal(rpcError(crash).data.code, 'RAMPART_UPSTREAM_CRASHED');
    // The restart is asynchronous; the next call waits (bounded) for the new child.
    const echo = await client.result('tools/call', { name: 'fx__echo', arguments: { text: 'back' } });
    assert.match(JSON.stringify(echo), /back/);
    assert.notEqual(upstream.pid, firstPid);
    assert.equal(upstream.restarts, 1);
    await client.close();
  });

  it("captures the child's stderr into Rampart's log, attributed to the server", async () => {
    const lines: string[] = [];
    const other = await startRampart(
      { servers: [fixtureServer('fx', 'legacy')] },
      { logSink: (line) => lines.push(line) },
    );
    const client = new LegacyClient(other.url);
    await client.initialize();
    await client.request('tools/call', { name: 'fx__crash', arguments: {} });
    await other.stop();
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const stderr = records.find(
      (r) => r['msg'] === 'upstream stderr' && /crash tool called/.test(String(r['line'])),
    );
    assert.equal(stderr?.['server'], 'fx');
    assert.ok(records.some((r) => r['msg'] === 'upstream spawned' && r['server'] === 'fx'));
  });

  it('stops children on shutdown by closing stdin first', async () => {
    const other = await startRampart({ servers: [fixtureServer('fx', 'legacy')] });
    const pid = other.rampart.gateway.upstreams[0]!.pid!;
    await other.stop();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });
});
