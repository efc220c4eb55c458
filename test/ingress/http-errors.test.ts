// Transport-level answers of the MCP endpoint: status codes and stable error codes for bad input of every kind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DEMO_SERVER_MAIN } from '../../src/demo/location.ts';
import { LegacyClient, MODERN, modernMeta, modernRequest, post, rpcError } from '../helpers/mcp-client.ts';
import { NODE, type Started, startRampart } from '../helpers/rampart.ts';

function codeOf(answer: { response?: Record<string, unknown> | undefined }): string | undefined {
  const error = answer.response?.['error'] as { data?: { code?: string } } | undefined;
  return error?.data?.code;
}

describe('MCP endpoint error handling', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [{ name: 'demo', command: NODE, args: [DEMO_SERVER_MAIN] }],
      limits: { maxBodyBytes: 2048, maxJsonDepth: 8, maxSessions: 3 },
    });
  });
  after(() => gw.stop());

  it('refuses a foreign Host or Origin with 403', async () => {
    const badHost = await post(
      gw.url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { headers: { host: 'evil.example:80' } },
    );
    assert.equal(badHost.status, 403);
    assert.equal(codeOf(badHost), 'RAMPART_HOST_FORBIDDEN');
    const badOrigin = await post(
      gw.url,
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { headers: { origin: 'https://evil.example' } },
    );
    assert.equal(badOrigin.status, 403);
    assert.equal(codeOf(badOrigin), 'RAMPART_ORIGIN_FORBIDDEN');
    const local = new LegacyClient(gw.url);
    await local.initialize();
    const ok = await local.request('ping', undefined, { headers: { origin: 'http://localhost:3000' } });
    assert.equal(ok.status, 200);
    await local.close();
  });

  it('answers malformed bodies with 400 and a parse or envelope code, never a stack trace', async () => {
    const cases: Array<[string | Buffer, string]> = [
      ['{not json', 'RAMPART_PARSE_ERROR'],
      ['[{"jsonrpc":"2.0","id":1,"method":"ping"}]', 'RAMPART_BATCH_UNSUPPORTED'],
      ['{"jsonrpc":"1.0","id":1,"method":"ping"}', 'RAMPART_INVALID_REQUEST'],
      ['{"jsonrpc":"2.0","id":null,"method":"ping"}', 'RAMPART_INVALID_REQUEST'],
      ['{"jsonrpc":"2.0","id":1,"method":"ping","params":[1]}', 'RAMPART_INVALID_REQUEST'],
      [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'RAMPART_INVALID_UTF8'],
      ['[[[[[[[[[[[[1]]]]]]]]]]]]', 'RAMPART_JSON_TOO_DEEP'],
    ];
    for (const [body, code] of cases) {
      const answer = await post(gw.url, undefined, { rawBody: body });
      assert.equal(answer.status, 400, `${code}: ${answer.text}`);
      assert.equal(codeOf(answer), code);
      assert.doesNotMatch(answer.text, /at .*\.ts:\d+/);
    }
  });

  it('refuses an oversize body with 413', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping', params: { pad: 'x'.repeat(4096) } });
    const answer = await post(gw.url, undefined, { rawBody: big });
    assert.equal(answer.status, 413);
    assert.equal(codeOf(answer), 'RAMPART_BODY_TOO_LARGE');
  });

  it('needs a session for legacy requests: 400 without, 404 unknown, 404 after DELETE', async () => {
    const none = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(none.status, 400);
    assert.equal(codeOf(none), 'RAMPART_SESSION_REQUIRED');
    const unknown = await post(
      gw.url,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { headers: { 'mcp-session-id': 'nope' } },
    );
    assert.equal(unknown.status, 404);
    const client = new LegacyClient(gw.url);
    await client.initialize();
    assert.equal((await client.request('tools/list')).status, 200);
    assert.equal(await client.close(), 200);
    const after = await client.request('tools/list');
    assert.equal(after.status, 404);
    assert.equal(codeOf(after), 'RAMPART_SESSION_NOT_FOUND');
  });

  it('answers notifications with 202 and an unsupported legacy protocol header with 400', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const note = await client.notify('notifications/roots/list_changed');
    assert.equal(note.status, 202);
    const bad = await client.request('ping', undefined, {
      headers: { 'mcp-protocol-version': '1999-01-01' },
    });
    assert.equal(bad.status, 400);
    assert.equal(codeOf(bad), 'RAMPART_UNSUPPORTED_PROTOCOL_VERSION');
    await client.close();
  });

  it('caps concurrent sessions with 503', async () => {
    const clients = [new LegacyClient(gw.url), new LegacyClient(gw.url), new LegacyClient(gw.url)];
    for (const c of clients) await c.initialize();
    const extra = await post(gw.url, {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
    assert.equal(extra.status, 503);
    assert.equal(codeOf(extra), 'RAMPART_SESSION_LIMIT');
    for (const c of clients) await c.close();
  });

  it('validates modern headers against the body: 400 with -32020, -32022 and 404 with -32601', async () => {
    const missing = await modernRequest(
      gw.url,
      'tools/list',
      {},
      { headers: { 'mcp-method': 'prompts/list' } },
    );
    assert.equal(missing.status, 400);
    assert.equal(rpcError(missing).code, -32020);
    const wrongName = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'demo__echo', arguments: {} },
      { headers: { 'mcp-name': 'other' } },
    );
    assert.equal(wrongName.status, 400);
    assert.equal(rpcError(wrongName).code, -32020);
    const encoded = await modernRequest(
      gw.url,
      'tools/call',
      { name: 'demo__echo', arguments: { message: 'x' } },
      {
        headers: { 'mcp-name': `=?base64?${Buffer.from('demo__echo').toString('base64')}?=` },
      },
    );
    assert.equal(encoded.status, 200);
    const version = await post(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/list',
        params: { _meta: { ...modernMeta(), 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      },
      { headers: { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' } },
    );
    assert.equal(version.status, 400);
    const error = version.response?.['error'] as { code: number; data: { supported: string[] } };
    assert.equal(error.code, -32022);
    assert.deepEqual(error.data.supported, [MODERN]);
    const disagree = await post(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 6,
        method: 'tools/list',
        params: { _meta: { ...modernMeta(), 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      },
      { headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' } },
    );
    assert.equal(disagree.status, 400);
    assert.equal(
      rpcError(disagree).code,
      -32020,
      'a header/body disagreement is a mismatch, not an unsupported version',
    );
    const noCapabilities = await post(
      gw.url,
      {
        jsonrpc: '2.0',
        id: 7,
        method: 'server/discover',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } },
      },
      { headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'server/discover' } },
    );
    assert.equal(noCapabilities.status, 400);
    assert.equal(rpcError(noCapabilities).code, -32602);
    assert.equal(noCapabilities.response?.['id'], 7);
    const unknown = await modernRequest(gw.url, 'no/such/method');
    assert.equal(unknown.status, 404);
    assert.equal(rpcError(unknown).code, -32601);
  });

  it('answers other HTTP methods with 405 and unknown paths with 404', async () => {
    const put = await request(gw.url, {
      method: 'PUT',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(put.statusCode, 405);
    await put.body.dump();
    const other = await request(gw.url.replace('/mcp', '/other'), { method: 'POST', body: '{}' });
    assert.equal(other.statusCode, 404);
    await other.body.dump();
  });

  it('answers server/discover for modern clients', async () => {
    const answer = await modernRequest(gw.url, 'server/discover');
    const result = answer.response?.['result'] as Record<string, unknown>;
    assert.deepEqual(result['supportedVersions'], [MODERN]);
    assert.equal((result['serverInfo'] as { name: string }).name, 'rampart');
  });
});
