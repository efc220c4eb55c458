// `npm run bench`: starts every configuration side by side (system under test pinned to CPU 1),
// drives each with bench/loadgen.ts (pinned to CPU 0) at every concurrency level, interleaving the
// configurations inside every (rep, c) cell in a rotating order so slow drifts of a shared machine hit
// all of them alike, and prints medians over reps as a markdown table. Raw results: bench/results/raw/.
//
//   node bench/run.ts [--levels 1,16,64] [--reps 9] [--calls 6000] [--max-seconds 20]
//        [--configs direct,mcp-proxy,rampart,rampart-jwt,rampart-dpop] [--out bench/results/raw/x.json]
//        [--quiet-max-wait 5] [--ready-timeout 30] [--no-pin] [--verbose] [--cpu-prof DIR]
//
// --cpu-prof DIR starts every Node proxy process with V8's CPU profiler (written to DIR when it stops); the
// profiler costs CPU itself, so such a run is for finding where time goes, not for the tables.
// Loopback only. Every run is bounded by --calls and --max-seconds; every process started is stopped.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadClientAuth } from './auth-client.ts';
import type { BenchConfig } from './configs.ts';
import {
  AUDIT_BASELINE,
  AUDIT_TARGETS,
  AUTH_BASELINE,
  AUTH_TARGETS,
  BASELINE,
  CONFIGS,
  DEFAULT_CONFIGS,
  UNMARKED_IN_RATIOS,
} from './configs.ts';
import type { StartedSut } from './measure.ts';
import { runLoad } from './measure.ts';
import { quietGate } from './noise.ts';
import type { Launched } from './processes.ts';
import { freePort, launch, stop, stopAll, waitReady } from './processes.ts';
import { rssKb } from './procfs.ts';
import { headline, summarize } from './report.ts';
import type { BenchOutput, RunRecord } from './types.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(ROOT); // relative paths in the config table and the loadgen path are repo-relative

const { values: a } = parseArgs({
  options: {
    levels: { type: 'string', default: '1,16,64' },
    reps: { type: 'string', default: '9' },
    calls: { type: 'string', default: '6000' },
    'max-seconds': { type: 'string', default: '20' },
    configs: { type: 'string', default: DEFAULT_CONFIGS.join(',') },
    out: {
      type: 'string',
      default: `bench/results/raw/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
    },
    'quiet-max-wait': { type: 'string', default: '5' },
    'ready-timeout': { type: 'string', default: '30' },
    'no-pin': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
  },
});

const positive = (name: string, s: string) => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} wants a positive integer, got ${s}`);
  return n;
};
const levels = a.levels.split(',').map((s) => positive('levels', s));
const reps = positive('reps', a.reps);
const calls = positive('calls', a.calls);
const maxSeconds = positive('max-seconds', a['max-seconds']);
/** Concurrency of the discarded warm pass. */
const WARM_LEVEL = 8;
const byName = new Map(CONFIGS.map((c) => [c.name, c]));
const selected: BenchConfig[] = a.configs.split(',').map((n) => {
  const c = byName.get(n);
  if (!c) throw new Error(`unknown config ${n}; known: ${[...byName.keys()].join(', ')}`);
  return c;
});

// Pinning needs taskset and two CPUs: SUT on CPU 1, load generator and this orchestrator on CPU 0, so
// the system under test gets one whole core whatever the config and the client never steals from it.
const CPUS = availableParallelism(); // before pinning ourselves, which narrows what this reports
const canPin = !a['no-pin'] && CPUS >= 2 && spawnSync('taskset', ['-V']).status === 0;
if (!a['no-pin'] && !canPin)
  process.stderr.write('warning: taskset or a second CPU missing: running unpinned\n');
const SUT_CPU = canPin ? '1' : undefined;
const LG_CPU = canPin ? '0' : undefined;
if (canPin) spawnSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

const NODE = process.execPath;
const log = (...x: unknown[]) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${x.join(' ')}\n`);
const version = (packageJson: string) => {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  } catch {
    return '?';
  }
};
/** The commit measured; "+dirty" when src/ has uncommitted changes (the numbers then belong to no commit). */
const gitHead = () => {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout?.trim() || '?';
  const dirty = !!spawnSync('git', ['status', '--porcelain', '--', 'src'], {
    encoding: 'utf8',
  }).stdout?.trim();
  return dirty ? `${head}+dirty` : head;
};

const scratch = mkdtempSync(join(tmpdir(), 'rampart-bench-'));
/** Things configs started inside this process (token issuers), stopped with everything else. */
const cleanups: (() => Promise<void>)[] = [];
let cleaning = false;
async function cleanup() {
  cleaning = true;
  await stopAll();
  await Promise.allSettled(cleanups.map((stop) => stop()));
  rmSync(scratch, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (cleaning) return;
    log(`${sig}: stopping everything`);
    void cleanup().finally(() => process.exit(130));
  });
}

const out: BenchOutput = {
  startedAt: new Date().toISOString(),
  node: process.version,
  argv: process.argv.slice(2),
  pinned: canPin,
  cpus: CPUS,
  versions: {
    rampart: `${version('package.json')} (${gitHead()})`,
    'mcp-proxy': version('node_modules/mcp-proxy/package.json'),
    undici: version('node_modules/undici/package.json'),
  },
  options: { levels, reps, calls, maxSeconds },
  baseline: BASELINE,
  deltas: [
    {
      title: 'Authentication',
      baseline: AUTH_BASELINE,
      baselineWhat: 'the same Rampart without `auth`',
      targets: AUTH_TARGETS,
    },
    {
      title: 'Audit',
      baseline: AUDIT_BASELINE,
      baselineWhat: 'the same Rampart without the audit log',
      targets: AUDIT_TARGETS,
    },
  ],
  unmarkedInRatios: UNMARKED_IN_RATIOS,
  configs: {},
  runs: [],
};
mkdirSync(dirname(a.out), { recursive: true });
const save = () => writeFileSync(a.out, JSON.stringify(out, null, 1));

/** With --cpu-prof, a Node proxy's argv with the profiler on, one file per config. */
function profiled(argv: string[], name: string): string[] {
  const dir = a['cpu-prof'];
  if (dir === undefined || argv[0] !== NODE) return argv;
  mkdirSync(dir, { recursive: true });
  const flags = ['--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`, `--cpu-prof-name=${name}.cpuprofile`];
  return [NODE, ...flags, ...argv.slice(1)];
}

/** Starts one config (upstream first, then proxy), or records why it could not be started. */
async function start(cfg: BenchConfig): Promise<StartedSut | null> {
  const info: BenchOutput['configs'][string] = {
    description: cfg.description,
    tool: cfg.tool,
    hasProxy: false,
  };
  out.configs[cfg.name] = info;
  const readyMs = positive('ready-timeout', a['ready-timeout']) * 1000;
  let proxy: Launched | undefined;
  let upstream: Launched | undefined;
  try {
    const sut = await cfg.setup({
      port: freePort,
      dir: join(scratch, cfg.name),
      node: NODE,
      root: ROOT,
      clients: Math.max(WARM_LEVEL, ...levels),
      onCleanup: (stop) => cleanups.push(stop),
    });
    info.hasProxy = !!sut.proxy;
    const headers = Object.fromEntries(
      (sut.headers ?? []).map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]),
    );
    const auth = sut.auth ? await loadClientAuth(sut.auth.mode, sut.auth.file) : undefined;
    const probeHeaders = async (method: 'POST' | 'DELETE') => ({
      ...headers,
      ...(await auth?.(0, method)),
    });
    const t0 = performance.now();
    if (sut.upstream) {
      upstream = launch(sut.upstream.argv, {
        tag: `${cfg.name}/upstream`,
        cpu: SUT_CPU,
        cwd: sut.upstream.cwd,
        verbose: a.verbose,
      });
      await waitReady(sut.upstream.url, upstream, readyMs);
    }
    if (sut.proxy)
      proxy = launch(profiled(sut.proxy.argv, cfg.name), {
        tag: `${cfg.name}/proxy`,
        cpu: SUT_CPU,
        cwd: sut.proxy.cwd,
        verbose: a.verbose,
      });
    const main = proxy ?? upstream;
    if (!main) throw new Error('config starts no process');
    await waitReady(sut.url, main, readyMs, probeHeaders);
    info.readyMs = Math.round(performance.now() - t0);
    log(`started ${cfg.name} (ready in ${info.readyMs} ms)`);
    return {
      name: cfg.name,
      tool: cfg.tool,
      url: sut.url,
      headers: sut.headers ?? [],
      auth: sut.auth,
      proxy,
      upstream,
    };
  } catch (e) {
    info.startError = String((e as Error)?.message ?? e);
    log(
      `could not start ${cfg.name}: ${headline(info.startError)}${a.verbose ? `\n${info.startError}` : ''}`,
    );
    await stop(proxy?.child);
    await stop(upstream?.child);
    return null;
  }
}

const fmtRun = (r: RunRecord) =>
  r.error
    ? `ERROR ${r.error}`
    : `${String(r.load?.throughput).padStart(9)}/s p50 ${r.load?.p50} p99 ${r.load?.p99} | proxy ${r.sut?.proxyUsPerCall ?? '-'} µs/call, ` +
      `upstream ${r.sut?.upstreamUsPerCall} µs/call, loadgen ${r.sut?.loadgenUsPerCall} µs/call | foreign ${r.foreignCpuPct}%` +
      (r.load?.errors ? ` errors ${r.load.errors}: ${r.load.errSamples[0]}` : '');

try {
  const suts: StartedSut[] = [];
  for (const cfg of selected) {
    const s = await start(cfg);
    if (s) suts.push(s);
  }
  save();
  if (!suts.length) throw new Error('no configuration started');
  await sleep(1000);
  for (const s of suts) {
    const info = out.configs[s.name];
    if (info) info.idle = { proxyRssKbFresh: s.proxy?.child.pid ? rssKb(s.proxy.child.pid) : null };
  }

  // Warm pass, discarded: JIT-warms every system (and the loadgen code paths) before anything counts.
  for (const s of suts) {
    const r = await runLoad(s, { level: WARM_LEVEL, calls: 1000, maxSeconds: 15, node: NODE, cpu: LG_CPU });
    log(`warm ${s.name}: ${r.error ?? `${r.load?.throughput}/s`}`);
  }

  let cell = 0;
  for (let rep = 1; rep <= reps; rep++) {
    for (const level of levels) {
      const rot = cell++ % suts.length;
      for (const s of [...suts.slice(rot), ...suts.slice(0, rot)]) {
        const gate = await quietGate(Number(a['quiet-max-wait']));
        const m = await runLoad(s, { level, calls, maxSeconds, node: NODE, cpu: LG_CPU });
        const rec: RunRecord = { config: s.name, rep, level, gate, ...m };
        out.runs.push(rec);
        save();
        log(`rep ${rep}/${reps} c=${String(level).padEnd(3)} ${s.name.padEnd(12)} ${fmtRun(rec)}`);
      }
    }
  }

  await sleep(1000);
  for (const s of suts) {
    const idle = out.configs[s.name]?.idle;
    if (idle) idle.proxyRssKbAfterLoad = s.proxy?.child.pid ? rssKb(s.proxy.child.pid) : null;
  }
} finally {
  await cleanup();
  out.finishedAt = new Date().toISOString();
  save();
}

const md = summarize(out);
writeFileSync(a.out.replace(/\.json$/, '') + '.md', `${md}\n`);
process.stdout.write(`${md}\n`);
log(`raw results: ${a.out}`);
process.exit(0);
