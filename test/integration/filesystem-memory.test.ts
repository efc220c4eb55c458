// Two more real servers from npm behind one Rampart: server-filesystem (confined to a temp directory) and
// server-memory (a knowledge graph in a temp file), used by legacy and modern clients. Both run in the sandbox as
// a config file's stdio servers do, with the temp directory as the one path they may write.
import assert from 'node:assert/strict';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest } from '../helpers/mcp-client.ts';
import { type Started, startRampart } from '../helpers/rampart.ts';

const SANDBOX_UID = 65_534;

describe('server-filesystem and server-memory behind Rampart', () => {
  let gw: Started;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-fs-'));
    writeFileSync(path.join(dir, 'hello.txt'), 'hello from disk');
    // As root the sandbox runs as uid 65534, which must own the directory it may write.
    if (process.getuid?.() === 0) {
      chownSync(dir, SANDBOX_UID, SANDBOX_UID);
      chownSync(path.join(dir, 'hello.txt'), SANDBOX_UID, SANDBOX_UID);
    }
    const sandbox = { paths: [{ path: dir, mode: 'rw' }] };
    gw = await startRampart({
      servers: [
        { name: 'fs', command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', dir], sandbox },
        {
          name: 'memory',
          command: 'npx',
          args: ['-y', '@modelcontextprotocol/server-memory'],
          env: { MEMORY_FILE_PATH: path.join(dir, 'memory.jsonl') },
          sandbox,
        },
      ],
    });
  });
  after(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('aggregates both servers under their namespaces', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const names = ((await client.result('tools/list'))['tools'] as Array<{ name: string }>).map(
      (t) => t.name,
    );
    assert.ok(names.includes('fs__read_text_file'));
    assert.ok(names.includes('memory__create_entities'));
    await client.close();
  });

  it('reads and writes inside the allowed directory and is refused outside it', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const read = await client.result('tools/call', {
      name: 'fs__read_text_file',
      arguments: { path: path.join(dir, 'hello.txt') },
    });
    assert.match(JSON.stringify(read), /hello from disk/);
    await client.result('tools/call', {
      name: 'fs__write_file',
      arguments: { path: path.join(dir, 'out.txt'), content: 'written' },
    });
    assert.equal(readFileSync(path.join(dir, 'out.txt'), 'utf8'), 'written');
    const outside = await client.result('tools/call', {
      name: 'fs__read_text_file',
      arguments: { path: '/etc/hostname' },
    });
    assert.equal(outside['isError'], true);
    await client.close();
  });

  it('keeps a knowledge graph across legacy and modern calls', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    await client.result('tools/call', {
      name: 'memory__create_entities',
      arguments: { entities: [{ name: 'Rampart', entityType: 'gateway', observations: ['guards MCP'] }] },
    });
    await client.close();
    const graph = await modernRequest(gw.url, 'tools/call', { name: 'memory__read_graph', arguments: {} });
    assert.match(JSON.stringify(graph.response?.['result']), /guards MCP/);
  });
});
