// HTTP upstreams: server-everything over Streamable HTTP and over the deprecated HTTP+SSE transport, each used
// by legacy and modern clients through Rampart.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';

const EVERYTHING = path.join(REPO, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startEverything(
  mode: 'streamableHttp' | 'sse',
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(NODE, [EVERYTHING, mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start`)), 15_000);
    const onData = (chunk: Buffer) => {
      if (/listening|running/i.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server-everything exited with ${code}`)));
  });
  return { child, port };
}

for (const mode of ['streamableHttp', 'sse'] as const) {
  describe(`server-everything over ${mode} behind Rampart`, () => {
    let upstream: { child: ChildProcess; port: number };
    let gw: Started;
    before(async () => {
      upstream = await startEverything(mode);
      const url = `http://127.0.0.1:${upstream.port}/${mode === 'sse' ? 'sse' : 'mcp'}`;
      gw = await startRampart({
        servers: [{ name: 'remote', url, transport: mode === 'sse' ? 'sse' : 'streamable-http' }],
      });
    });
    after(async () => {
      await gw.stop();
      upstream.child.kill('SIGTERM');
    });

    it('detects the era once and connects', () => {
      assert.equal(gw.rampart.gateway.upstreams[0]!.era, 'legacy');
    });

    it('serves a legacy client: list, call, sampling on the request stream', async () => {
      const client = new LegacyClient(gw.url, { sampling: {} });
      await client.initialize();
      const tools = (await client.result('tools/list'))['tools'] as Array<{ name: string }>;
      assert.ok(tools.some((t) => t.name === 'remote__echo'));
      const echo = await client.result('tools/call', {
        name: 'remote__echo',
        arguments: { message: `via ${mode}` },
      });
      assert.match(JSON.stringify(echo), new RegExp(`via ${mode}`));
      const sampled = await client.request(
        'tools/call',
        { name: 'remote__trigger-sampling-request', arguments: { prompt: 'x', maxTokens: 3 } },
        {
          onRequest: () => ({
            role: 'assistant',
            content: { type: 'text', text: 'from-client' },
            model: 'm',
            stopReason: 'endTurn',
          }),
        },
      );
      assert.match(JSON.stringify(sampled.response?.['result']), /from-client/);
      await client.close();
    });

    it('serves a modern client statelessly', async () => {
      const answer = await modernRequest(gw.url, 'tools/call', {
        name: 'remote__echo',
        arguments: { message: 'modern' },
      });
      assert.match(JSON.stringify(answer.response?.['result']), /modern/);
    });
  });
}
