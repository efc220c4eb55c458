import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDemoServer } from '../../src/demo/server.ts';

// Drives the dispatch in-process: prompts, resources, completion, logging and malformed input.
function harness() {
  const notifications: object[] = [];
  const server = createDemoServer((message) => notifications.push(message));
  let nextId = 1;
  const call = (method: string, params?: object) => {
    const id = nextId++;
    const response = server.handleLine(JSON.stringify({ jsonrpc: '2.0', id, method, params })) as
      | { id: number; result?: Record<string, unknown>; error?: { code: number } }
      | undefined;
    assert.ok(response);
    assert.equal(response.id, id);
    return response;
  };
  return { server, call, notifications };
}

test('the demo server serves its prompt, resources, completions and logs', () => {
  const { call, notifications } = harness();

  assert.deepEqual(call('ping').result, {});
  const prompts = call('prompts/list').result?.['prompts'] as { name: string }[];
  assert.deepEqual(
    prompts.map((prompt) => prompt.name),
    ['plan_trip'],
  );
  const prompt = call('prompts/get', { name: 'plan_trip', arguments: { city: 'lisbon', days: '3' } });
  assert.ok(Array.isArray(prompt.result?.['messages']));
  assert.equal(call('prompts/get', { name: 'plan_trip', arguments: {} }).error?.code, -32602);

  const resources = call('resources/list').result?.['resources'] as { uri: string }[];
  assert.equal(resources.length, 2);
  for (const { uri } of resources) {
    const read = call('resources/read', { uri }).result?.['contents'] as { uri: string; text: string }[];
    assert.equal(read[0]?.uri, uri);
  }
  const templates = call('resources/templates/list').result?.['resourceTemplates'] as {
    uriTemplate: string;
  }[];
  assert.equal(templates.length, 1);
  assert.ok(call('resources/read', { uri: 'demo://cities/tokyo' }).result);
  assert.equal(call('resources/read', { uri: 'demo://nothing' }).error?.code, -32002);

  const completion = call('completion/complete', {
    ref: { type: 'ref/prompt', name: 'plan_trip' },
    argument: { name: 'city', value: 'S' },
  }).result?.['completion'] as { values: string[] };
  assert.deepEqual(completion.values, ['San Francisco', 'Sydney']);

  assert.equal(notifications.length, 0, 'no log messages before logging/setLevel');
  assert.deepEqual(call('logging/setLevel', { level: 'info' }).result, {});
  call('tools/call', { name: 'get_time', arguments: {} });
  assert.equal(notifications.length, 1);

  assert.equal(call('tools/list', { cursor: 'bogus' }).error?.code, -32602);
  assert.equal(call('no/such/method').error?.code, -32601);
});

test('the demo server answers malformed input with JSON-RPC errors and ignores notifications', () => {
  const { server } = harness();
  assert.equal(server.handleLine('{not json')?.id, null);
  assert.deepEqual((server.handleLine('[]') as { error: { code: number } }).error.code, -32600);
  assert.equal(server.handleLine('{"jsonrpc":"2.0","method":"notifications/initialized"}'), undefined);
  assert.equal(server.handleLine('{"jsonrpc":"2.0","id":1,"result":{}}'), undefined);
});
