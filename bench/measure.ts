// One measured run: start the load generator against a running system, snapshot /proc exactly at the
// loadgen's MARK start / MARK end, and turn the tick deltas into CPU per call of the proxy process and
// of the upstream, plus RSS sampled during the run and the foreign (other tenants') CPU meanwhile.
import { spawn } from 'node:child_process';
import type { AuthMode } from './auth-client.ts';
import { ourTicks } from './noise.ts';
import type { Launched } from './processes.ts';
import { stop, track } from './processes.ts';
import { descendants, HZ, machineBusyTicks, rssKb, treeCpu } from './procfs.ts';
import type { LoadResult, SutUsage } from './types.ts';

export type StartedSut = {
  name: string;
  tool: string;
  url: string;
  headers: string[];
  auth?: { mode: AuthMode; file: string } | undefined;
  proxy?: Launched;
  upstream?: Launched;
};

export type LoadOptions = {
  level: number;
  calls: number;
  maxSeconds: number;
  /** Warm-up calls before the measured phase; default: the loadgen's max(200, 10·c). */
  warmup?: number;
  node: string;
  /** CPU to pin the load generator to (taskset), none = unpinned. */
  cpu?: string;
};

export type Measured = { load?: LoadResult; sut?: SutUsage; foreignCpuPct?: number; error?: string };

type Snapshot = {
  t: number;
  busy: number;
  proxySelf: number;
  proxyChildren: number;
  upstream: number;
  lg: number;
  ours: number;
};

const pidOf = (l: Launched | undefined) => l?.child.pid;

export function runLoad(sut: StartedSut, o: LoadOptions): Promise<Measured> {
  const args = ['bench/loadgen.ts', '--marks', '--url', sut.url, '--tool', sut.tool];
  args.push(
    '--concurrency',
    String(o.level),
    '--calls',
    String(o.calls),
    '--max-seconds',
    String(o.maxSeconds),
  );
  if (o.warmup !== undefined) args.push('--warmup', String(o.warmup));
  for (const h of sut.headers) args.push('--header', h);
  if (sut.auth) args.push('--auth', sut.auth.mode, '--auth-file', sut.auth.file);
  const cmd = o.cpu === undefined ? [o.node, ...args] : ['taskset', '-c', o.cpu, o.node, ...args];
  const [file, ...rest] = cmd as [string, ...string[]];
  const lg = spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  track(lg);
  const proxyPid = pidOf(sut.proxy);
  const upstreamPid = pidOf(sut.upstream);

  const snap = (): Snapshot => {
    const p = proxyPid ? treeCpu(proxyPid) : { self: 0, children: 0 };
    return {
      t: performance.now(),
      busy: machineBusyTicks(),
      proxySelf: p.self,
      proxyChildren: p.children,
      upstream: upstreamPid ? treeCpu(upstreamPid).total : 0,
      lg: lg.pid ? treeCpu(lg.pid).total : 0,
      ours: ourTicks(),
    };
  };

  // RSS: the proxy itself, and the upstream = its stdio children or the separate upstream process.
  // The pid list is taken once at MARK start so sampling stays a few small file reads (it shares the
  // load generator's core).
  let upstreamPids: number[] = [];
  const rss = { proxy: 0, upstream: 0 };
  const sample = () => {
    if (proxyPid) rss.proxy = Math.max(rss.proxy, rssKb(proxyPid));
    rss.upstream = Math.max(
      rss.upstream,
      upstreamPids.reduce((s, p) => s + rssKb(p), 0),
    );
  };

  return new Promise((resolve) => {
    let buf = '';
    let err = '';
    let result: LoadResult | undefined;
    let s0: Snapshot | undefined;
    let s1: Snapshot | undefined;
    let sampler: NodeJS.Timeout | undefined;
    const ack = () => lg.stdin.write('ok\n');
    // The loadgen stops itself after max-seconds + 90 s; this is the backstop if it hangs anyway.
    const killer = setTimeout(() => void stop(lg), (o.maxSeconds + 120) * 1000);

    lg.stdout.setEncoding('utf8');
    lg.stdout.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line === 'MARK start') {
          upstreamPids = [
            ...(proxyPid ? descendants(proxyPid) : []),
            ...(upstreamPid ? [upstreamPid, ...descendants(upstreamPid)] : []),
          ];
          s0 = snap();
          sample();
          sampler = setInterval(sample, 100);
          ack();
        } else if (line === 'MARK end') {
          s1 = snap();
          clearInterval(sampler);
          sample();
          ack();
        } else if (line.startsWith('{')) {
          result = JSON.parse(line) as LoadResult;
        }
      }
    });
    lg.stderr.setEncoding('utf8');
    lg.stderr.on('data', (d: string) => {
      err = (err + d).slice(-2000);
    });
    lg.on('exit', (code) => {
      clearTimeout(killer);
      clearInterval(sampler);
      if (!result || !s0 || !s1) {
        resolve({ error: `loadgen exit ${code}: ${err.trim().slice(-500) || '(no stderr)'}` });
        return;
      }
      const secs = (s1.t - s0.t) / 1000;
      const n = result.calls || 1;
      const us = (ticks: number) => Math.round(((ticks / HZ) * 1e6) / n);
      const proxyT = s1.proxySelf - s0.proxySelf;
      const upT = s1.proxyChildren - s0.proxyChildren + (s1.upstream - s0.upstream);
      const foreign = s1.busy - s0.busy - (s1.ours - s0.ours);
      resolve({
        load: result,
        sut: {
          proxyUsPerCall: proxyPid ? us(proxyT) : null,
          upstreamUsPerCall: us(upT),
          loadgenUsPerCall: us(s1.lg - s0.lg),
          proxyCpuPct: proxyPid ? Math.round((proxyT / HZ / secs) * 100) : null,
          proxyRssMaxKb: proxyPid ? rss.proxy : null,
          upstreamRssMaxKb: rss.upstream,
        },
        foreignCpuPct: Math.max(0, Math.round((foreign / HZ / secs) * 100)),
      });
    });
  });
}
