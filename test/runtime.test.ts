// Lifecycle of a Rampart instance: graceful shutdown drains in-flight requests before closing upstreams and
// refuses new ones; every request leaves one event in the SQLite store.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { LegacyClient, post, rpcError } from './helpers/mcp-client.ts';
import { fixtureServer, startRampart } from './helpers/rampart.ts';

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

  it('records one event per request with era, server, method, name and decision', async () => {
    const gw = await startRampart({ servers: [fixtureServer('fx', 'legacy')] });
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', { name: 'fx__echo', arguments: { text: 'x' } });
    await client.request('tools/call', { name: 'fx__nope', arguments: {} });
    const file = gw.rampart.store.file;
    await gw.rampart.stop();
    const db = new DatabaseSync(file, { readOnly: true });
    const rows = db
      .prepare(
        'SELECT era, server, method, name, decision, code, session_id FROM request_events ORDER BY seq',
      )
      .all();
    db.close();
    assert.deepEqual(
      rows.map((r) => ({ ...r })),
      [
        {
          era: 'legacy',
          server: null,
          method: 'initialize',
          name: null,
          decision: 'allowed',
          code: null,
          session_id: client.sessionId,
        },
        {
          era: 'legacy',
          server: 'fx',
          method: 'tools/call',
          name: 'fx__echo',
          decision: 'allowed',
          code: null,
          session_id: client.sessionId,
        },
        {
          era: 'legacy',
          server: null,
          method: 'tools/call',
          name: 'fx__nope',
          decision: 'errored',
          code: 'RAMPART_UNKNOWN_TOOL',
          session_id: client.sessionId,
        },
      ],
    );
    await gw.stop();
  });
});
