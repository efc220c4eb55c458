// Rampart in front of @modelcontextprotocol/server-everything over stdio, driven by legacy and modern clients.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest } from '../helpers/mcp-client.ts';
import { type Started, startRampart } from '../helpers/rampart.ts';

describe('server-everything over stdio behind Rampart', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [
        { name: 'everything', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'] },
      ],
    });
  });
  after(() => gw.stop());

  it('supervises the real server process, not an npx wrapper', () => {
    const upstream = gw.rampart.gateway.upstreams[0]!;
    assert.equal(upstream.era, 'legacy');
    const cmdline = readFileSync(`/proc/${upstream.pid}/cmdline`, 'utf8').split('\0');
    assert.equal(cmdline[0], process.execPath);
    assert.match(cmdline[1]!, /server-everything/);
    assert.ok(!cmdline.some((part) => /npx/.test(part)));
  });

  it('lists namespaced tools, prompts, resources and templates to a legacy client', async () => {
    const client = new LegacyClient(gw.url);
    const init = await client.initialize();
    assert.equal(init['protocolVersion'], '2025-11-25');
    const tools = (await client.result('tools/list'))['tools'] as Array<{ name: string }>;
    assert.ok(tools.some((t) => t.name === 'everything__echo'));
    assert.ok(tools.every((t) => t.name.startsWith('everything__')));
    const prompts = (await client.result('prompts/list'))['prompts'] as Array<{ name: string }>;
    assert.ok(prompts.length > 0 && prompts.every((p) => p.name.startsWith('everything__')));
    const resources = (await client.result('resources/list'))['resources'] as Array<{ uri: string }>;
    assert.ok(resources.length > 0 && resources.every((r) => r.uri.startsWith('rampart://everything/')));
    const templates = (await client.result('resources/templates/list'))['resourceTemplates'] as Array<{
      uriTemplate: string;
    }>;
    assert.ok(templates.length > 0);
    assert.equal(await client.close(), 200);
  });

  it('calls a tool and reads a resource through the URI mapping (round trip)', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const echo = await client.result('tools/call', {
      name: 'everything__echo',
      arguments: { message: 'hello' },
    });
    assert.match(JSON.stringify(echo['content']), /hello/);
    const resources = (await client.result('resources/list'))['resources'] as Array<{ uri: string }>;
    const first = resources[0]!;
    const read = await client.result('resources/read', { uri: first.uri });
    const contents = read['contents'] as Array<{ uri: string }>;
    assert.ok(contents.length > 0);
    // What comes back is the exposed URI, so a client can use it again.
    assert.equal(contents[0]!.uri, first.uri);
    await client.close();
  });

  it('serves a modern client statelessly with resultType and cache hints', async () => {
    const list = await modernRequest(gw.url, 'tools/list');
    assert.equal(list.status, 200);
    const result = list.response?.['result'] as Record<string, unknown>;
    assert.equal(result['resultType'], 'complete');
    assert.equal(typeof result['ttlMs'], 'number');
    assert.equal(result['cacheScope'], 'private');
    const call = await modernRequest(gw.url, 'tools/call', {
      name: 'everything__echo',
      arguments: { message: 'modern' },
    });
    assert.match(JSON.stringify(call.response?.['result']), /modern/);
  });

  it('forwards progress notifications before the result, on the request stream', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const tools = (await client.result('tools/list'))['tools'] as Array<{ name: string }>;
    const slow = tools.find((t) => /long|slow/i.test(t.name));
    assert.ok(slow, 'server-everything has a long-running operation tool');
    const answer = await client.request('tools/call', {
      name: slow.name,
      arguments: { duration: 1, steps: 3 },
      _meta: { progressToken: 'p-1' },
    });
    const progress = answer.messages.filter((m) => m.method === 'notifications/progress');
    assert.ok(progress.length >= 1, answer.text);
    for (const p of progress) assert.equal((p['params'] as Record<string, unknown>)['progressToken'], 'p-1');
    assert.equal(answer.messages.at(-1), answer.response);
    await client.close();
  });

  it('answers an unknown tool with a stable error code', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const answer = await client.request('tools/call', { name: 'everything__no_such_tool', arguments: {} });
    const error = answer.response?.['error'] as { code: number; data: { code: string } };
    assert.equal(error.data.code, 'RAMPART_UNKNOWN_TOOL');
    await client.close();
  });
});
