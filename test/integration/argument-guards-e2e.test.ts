// Argument guards in the gateway: a path parameter confined to a root (traversal, an encoded traversal, an absolute
// path elsewhere, a symlink escape and a sensitive file refused; a file inside passes) and a shell argument with
// metacharacters refused. Each refusal names the parameter and why.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, rpcError } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';

const BUSINESS = path.join(REPO, 'test/fixtures/business-server.ts');

describe('argument guards through the gateway', () => {
  let dir: string;
  let root: string;
  let gw: Started;
  let client: LegacyClient;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-argguards-'));
    root = path.join(dir, 'docs');
    mkdirSync(root);
    writeFileSync(path.join(root, 'readme.txt'), 'hello');
    writeFileSync(path.join(root, '.env'), 'SECRET=1');
    writeFileSync(path.join(dir, 'outside.txt'), 'nope');
    symlinkSync(path.join(dir, 'outside.txt'), path.join(root, 'escape.txt'));
    gw = await startRampart({
      servers: [{ name: 'biz', command: NODE, args: [BUSINESS] }],
      argumentGuards: [
        { tool: 'biz__read_file', parameter: 'path', path: { roots: [root] } },
        { tool: 'biz__delete_file', parameter: 'path', shell: {} },
      ],
    });
    client = new LegacyClient(gw.url);
    await client.initialize();
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (p: string) =>
    client.request('tools/call', { name: 'biz__read_file', arguments: { path: p } });

  it('refuses every way out of the root and sensitive files inside it', async () => {
    for (const attempt of [
      '../outside.txt',
      '%2e%2e/outside.txt',
      path.join(dir, 'outside.txt'),
      'escape.txt',
      '.env',
      '/etc/shadow',
    ]) {
      const error = rpcError(await read(attempt));
      assert.equal(error.data?.['code'], 'RAMPART_ARGUMENT_PATH', attempt);
      assert.equal(error.data?.['parameter'], 'path');
      assert.equal(typeof error.data?.['reason'], 'string');
    }
  });

  it('lets a file inside the root through', async () => {
    const result = await client.result('tools/call', {
      name: 'biz__read_file',
      arguments: { path: 'readme.txt' },
    });
    assert.ok(result['content']);
  });

  it('refuses shell metacharacters in a command argument', async () => {
    const error = rpcError(
      await client.request('tools/call', {
        name: 'biz__delete_file',
        arguments: { path: 'a.txt; rm -rf /' },
      }),
    );
    assert.equal(error.data?.['code'], 'RAMPART_ARGUMENT_SHELL');
    const ok = await client.result('tools/call', { name: 'biz__delete_file', arguments: { path: 'a.txt' } });
    assert.ok(ok['content']);
  });
});
