// The 2026-07-28 tasks extension through Rampart: task ids reach clients as signed tokens that route
// tasks/get|update|cancel back to the creating upstream; a forged id is -32602; no extension is -32021.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };

describe('tasks extension', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({ servers: [fixtureServer('a', 'modern'), fixtureServer('b', 'modern')] });
  });
  after(() => gw.stop());

  it('advertises the extension and routes a task back to the server that created it', async () => {
    const discover = rpcResult(await modernRequest(gw.url, 'server/discover'));
    assert.deepEqual((discover['capabilities'] as Record<string, unknown>)['extensions'], {
      'io.modelcontextprotocol/tasks': {},
    });
    const created = rpcResult(
      await modernRequest(
        gw.url,
        'tools/call',
        { name: 'b__slow_compute', arguments: { seconds: 0 } },
        { capabilities: TASKS },
      ),
    );
    assert.equal(created['resultType'], 'task');
    const taskId = String(created['taskId']);
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) {
      status = rpcResult(await modernRequest(gw.url, 'tasks/get', { taskId }, { capabilities: TASKS }));
      if (status['status'] === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(status['status'], 'completed');
    assert.equal(status['taskId'], taskId);
    assert.match(JSON.stringify(status['result']), /slow_compute\(\) finished/);
  });

  it('refuses a forged task id with -32602 and tasks methods without the extension with -32021', async () => {
    const forged = await modernRequest(
      gw.url,
      'tasks/get',
      { taskId: 'not-a-task' },
      { capabilities: TASKS },
    );
    assert.equal(rpcError(forged).code, -32602);
    const gated = await modernRequest(gw.url, 'tasks/get', { taskId: 'not-a-task' });
    assert.equal(gated.status, 400);
    assert.equal(rpcError(gated).code, -32021);
  });
});
