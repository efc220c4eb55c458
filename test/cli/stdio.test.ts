// `rampart stdio`: one client over stdin/stdout, both eras, in front of the fixture; `rampart init` writes a
// starter config that `serve` accepts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { FIXTURE, NODE, REPO } from '../helpers/rampart.ts';

const MAIN = path.join(REPO, 'src/cli/main.ts');

describe('rampart CLI', () => {
  it('serves one client over stdio in both eras', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-stdio-'));
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(
      config,
      `stateDir: state\nlog: { level: warn }\nintegrity: { mode: tofu }\nservers:\n  - name: fx\n    command: ${NODE}\n    args: [${FIXTURE}, --transport, stdio, --era, legacy]\n    sandbox: off\n`,
    );
    const child = spawn(NODE, [MAIN, 'stdio', '--config', config], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    const answers: Array<Record<string, unknown>> = [];
    const waiters = new Map<unknown, (m: Record<string, unknown>) => void>();
    lines.on('line', (line) => {
      const message = JSON.parse(line) as Record<string, unknown>;
      answers.push(message);
      waiters.get(message['id'])?.(message);
    });
    const ask = (message: Record<string, unknown>) =>
      new Promise<Record<string, unknown>>((resolve) => {
        waiters.set(message['id'], resolve);
        child.stdin.write(`${JSON.stringify(message)}\n`);
      });
    const init = await ask({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    assert.equal((init['result'] as Record<string, unknown>)['protocolVersion'], '2025-11-25');
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    const legacy = await ask({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'fx__echo', arguments: { text: 'over stdio' } },
    });
    assert.match(JSON.stringify(legacy['result']), /over stdio/);
    const modern = await ask({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: {
        name: 'fx__echo',
        arguments: { text: 'modern stdio' },
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    });
    assert.equal((modern['result'] as Record<string, unknown>)['resultType'], 'complete');
    // Change notifications reach the stdio client too.
    await ask({
      jsonrpc: '2.0',
      id: 5,
      method: 'tools/call',
      params: { name: 'fx__test_trigger_tool_change', arguments: {} },
    });
    const deadline = Date.now() + 3_000;
    while (
      !answers.some((m) => m['method'] === 'notifications/tools/list_changed') &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(answers.some((m) => m['method'] === 'notifications/tools/list_changed'));
    const bad = await ask({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'nope' } });
    assert.equal(
      ((bad['error'] as Record<string, unknown>)['data'] as Record<string, unknown>)['code'],
      'RAMPART_UNKNOWN_TOOL',
    );
    child.stdin.end();
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0);
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the embedded demo without a config: prints the URL, serves MCP, keeps state in ./.rampart', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-demo-'));
    const child = spawn(NODE, [MAIN, 'serve'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:8787\/mcp)/.exec(out);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code} (is port 8787 free?): ${out}`)));
      });
      const client = new LegacyClient(url);
      await client.initialize();
      const tools = (await client.result('tools/list'))['tools'] as Array<{ name: string }>;
      assert.ok(tools.some((t) => t.name === 'demo__echo'));
      assert.ok(existsSync(path.join(dir, '.rampart', 'rampart.db')));
      await client.close();
    } finally {
      child.kill('SIGTERM');
      const code = await new Promise((resolve) => child.once('exit', resolve));
      assert.equal(code, 0);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a starter config with init and refuses to overwrite it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-init-'));
    const first = spawnSync(NODE, [MAIN, 'init'], { cwd: dir, encoding: 'utf8' });
    assert.equal(first.status, 0);
    assert.match(readFileSync(path.join(dir, 'rampart.yaml'), 'utf8'), /servers:/);
    const second = spawnSync(NODE, [MAIN, 'init'], { cwd: dir, encoding: 'utf8' });
    assert.equal(second.status, 1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports a bad config with file, line and key, and exits 1', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-bad-'));
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(config, 'listen: { port: eighty }\nservers:\n  - name: x\n    command: npx\n');
    const run = spawnSync(NODE, [MAIN, 'serve', '--config', config], { encoding: 'utf8' });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /bad\.yaml:1:\d+: listen\.port/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to bind a non-loopback address without authentication', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rampart-bind-'));
    const config = path.join(dir, 'open.yaml');
    writeFileSync(config, 'listen: { host: 0.0.0.0 }\nservers:\n  - name: x\n    command: npx\n');
    const run = spawnSync(NODE, [MAIN, 'serve', '--config', config], { encoding: 'utf8' });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /refusing to listen on 0\.0\.0\.0/);
    rmSync(dir, { recursive: true, force: true });
  });
});
