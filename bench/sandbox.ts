// `npm run bench:sandbox`: what confining a stdio server costs. Interleaved in one run, the same fixture server
// (test/fixtures/escape-server.ts, Node.js) started and called three ways:
//
//   off      spawned directly (`sandbox: off`): the baseline
//   sandbox  under prlimit + bubblewrap, no network (the default)
//   egress   under the sandbox with the egress proxy and the in-sandbox bridge (one more Node.js process)
//
// startup = spawn until the MCP handshake is done; call = one tools/call round trip on a running server.
// Medians over --starts starts and --calls calls per start; ratios against `off` measured in the same run.
//
//   node bench/sandbox.ts [--starts 15] [--calls 200]
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema, type ServerConfig } from '../src/config/schema.ts';
import { createLogger } from '../src/monitor/logger.ts';
import { Upstream, type UpstreamListener } from '../src/upstream/upstream.ts';

const { values } = parseArgs({
  options: { starts: { type: 'string', default: '15' }, calls: { type: 'string', default: '200' } },
});
const STARTS = Number(values.starts);
const CALLS = Number(values.calls);
const REPO = path.resolve(import.meta.dirname, '..');
const ESCAPE = path.join(REPO, 'test/fixtures/escape-server.ts');

const QUIET: UpstreamListener = {
  onServerRequest: () => Promise.reject(new Error('no requests')),
  onNotification: () => undefined,
  onConnected: () => undefined,
};

const VARIANTS = {
  off: 'off',
  sandbox: {},
  egress: { network: { egress: { allow: ['example.com'] } } },
} as const;
type Variant = keyof typeof VARIANTS;

function serverConfig(variant: Variant): ServerConfig {
  const parsed = configSchema.parse({
    servers: [
      { name: 'bench', command: process.execPath, args: [ESCAPE], era: 'legacy', sandbox: VARIANTS[variant] },
    ],
  });
  return parsed.servers[0]!;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

async function once(variant: Variant): Promise<{ startup: number; call: number }> {
  const upstream = new Upstream(serverConfig(variant), REPO, createLogger('silent'), QUIET);
  const started = nowMs();
  upstream.start();
  await upstream.whenReady(AbortSignal.timeout(30_000));
  const startup = nowMs() - started;
  const options = {
    owner: undefined,
    signal: AbortSignal.timeout(60_000),
    onProgress: undefined,
    downstream: { clientCapabilities: {}, clientInfo: undefined, logLevel: undefined },
  };
  const calls: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t = nowMs();
    await upstream.request('tools/call', { name: 'whoami', arguments: {} }, options);
    calls.push(nowMs() - t);
  }
  await upstream.close();
  return { startup, call: median(calls) };
}

const results: Record<Variant, { startup: number[]; call: number[] }> = {
  off: { startup: [], call: [] },
  sandbox: { startup: [], call: [] },
  egress: { startup: [], call: [] },
};
for (let i = 0; i < STARTS; i++) {
  for (const variant of Object.keys(VARIANTS) as Variant[]) {
    const r = await once(variant);
    results[variant].startup.push(r.startup);
    results[variant].call.push(r.call);
  }
}

const base = { startup: median(results.off.startup), call: median(results.off.call) };
console.log(`sandbox bench: ${STARTS} starts x ${CALLS} calls per variant, interleaved`);
console.log('variant   startup ms (x off)    call ms (x off)');
for (const variant of Object.keys(VARIANTS) as Variant[]) {
  const s = median(results[variant].startup);
  const c = median(results[variant].call);
  console.log(
    `${variant.padEnd(9)} ${s.toFixed(1).padStart(8)} (${(s / base.startup).toFixed(2)}x)   ${c.toFixed(3).padStart(8)} (${(c / base.call).toFixed(2)}x)`,
  );
}
