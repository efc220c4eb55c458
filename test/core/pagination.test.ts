// Lists merged from several upstreams are paged by Rampart with opaque signed cursors; a forged cursor is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('merged pagination', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [fixtureServer('a', 'legacy'), fixtureServer('b', 'modern')],
      limits: { listPageSize: 7 },
    });
  });
  after(() => gw.stop());

  it('walks every tool of both servers exactly once, page by page', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.result('tools/list', cursor ? { cursor } : {});
      const tools = page['tools'] as Array<{ name: string }>;
      assert.ok(tools.length <= 7);
      seen.push(...tools.map((t) => t.name));
      cursor = page['nextCursor'] as string | undefined;
      pages++;
    } while (cursor);
    assert.ok(pages > 2);
    assert.equal(new Set(seen).size, seen.length);
    assert.ok(seen.includes('a__echo') && seen.includes('b__echo'));
    await client.close();
  });

  it('refuses a forged or altered cursor with -32602', async () => {
    const first = await modernRequest(gw.url, 'tools/list');
    const cursor = String(rpcResult(first)['nextCursor']);
    const forged = await modernRequest(gw.url, 'tools/list', { cursor: `${cursor.slice(0, -2)}xx` });
    assert.equal(rpcError(forged).code, -32602);
    assert.equal(rpcError(forged).data.code, 'RAMPART_INVALID_CURSOR');
    const otherKind = await modernRequest(gw.url, 'prompts/list', { cursor });
    assert.equal(rpcError(otherKind).data.code, 'RAMPART_INVALID_CURSOR');
  });
});
