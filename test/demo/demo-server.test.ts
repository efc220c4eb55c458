import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { DEMO_SERVER_MAIN } from '../../src/demo/location.ts';

test('the demo server answers initialize, tools/list and tools/call over stdio, and exits on stdin end', async (t) => {
  // process.execPath is the Node 24 running this test, which can strip the demo's types.
  const child = spawn(process.execPath, [DEMO_SERVER_MAIN], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();

  const request = async (id: number, method: string, params: object) => {
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    const { value, done } = await lines.next();
    assert.equal(done, false, 'the demo server closed stdout');
    const message = JSON.parse(value);
    assert.equal(message.jsonrpc, '2.0');
    assert.equal(message.id, id);
    return message;
  };

  const init = await request(1, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'demo-test', version: '1.0.0' },
  });
  assert.equal(init.result.protocolVersion, '2025-11-25');
  assert.ok(init.result.capabilities.tools);
  assert.equal(typeof init.result.serverInfo.name, 'string');
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);

  const list = await request(2, 'tools/list', {});
  const names = list.result.tools.map((tool: { name: string }) => tool.name);
  assert.deepEqual(names.toSorted(), ['add', 'echo', 'get_time', 'lookup_city']);

  const echo = await request(3, 'tools/call', { name: 'echo', arguments: { message: 'hello' } });
  assert.deepEqual(echo.result.content, [{ type: 'text', text: 'hello' }]);
  assert.notEqual(echo.result.isError, true);

  const sum = await request(4, 'tools/call', { name: 'add', arguments: { a: 2, b: 40 } });
  assert.deepEqual(sum.result.structuredContent, { sum: 42 });

  const unknown = await request(5, 'tools/call', { name: 'no_such_tool', arguments: {} });
  assert.equal(unknown.error.code, -32602);

  const exited = once(child, 'exit');
  child.stdin.end();
  const [code] = await exited;
  assert.equal(code, 0);
});
