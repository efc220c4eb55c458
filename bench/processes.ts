// Starting and stopping the processes under test. Every process started here is registered and
// stopped by pid (its own process group first, then any leftover descendant), also on errors and
// Ctrl-C, so a bench never leaves a proxy or an upstream behind.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { descendants } from './procfs.ts';

const running = new Set<ChildProcess>();

/** Live children started by launch(). */
export function runningChildren(): ChildProcess[] {
  return [...running];
}

/** Registers a child spawned elsewhere (the load generator) so it is stopped and counted as ours. */
export function track(child: ChildProcess): void {
  running.add(child);
  child.on('exit', () => running.delete(child));
}

export type Launched = { child: ChildProcess; stderrTail: () => string };

/**
 * Starts argv, pinned to `cpu` with taskset when given (taskset execs the command, so the pid we get
 * is the command's own). The child leads its own process group so it can be stopped as a whole.
 */
export function launch(
  argv: string[],
  opts: { tag: string; cpu?: string; cwd?: string; verbose?: boolean },
): Launched {
  const cmd = opts.cpu === undefined ? argv : ['taskset', '-c', opts.cpu, ...argv];
  const [file, ...args] = cmd;
  if (!file) throw new Error('empty command');
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true, cwd: opts.cwd });
  track(child);
  // Keep the end of stderr for error messages; drain it always so the child never blocks on a full pipe.
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    tail = (tail + d).slice(-2000);
    if (opts.verbose) process.stderr.write(`[${opts.tag}] ${d}`);
  });
  return { child, stderrTail: () => tail.trim() };
}

const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || exited(child)) return;
  const pid = child.pid;
  const pids = [pid, ...descendants(pid)];
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    // already gone
  }
  for (let i = 0; i < 60 && !exited(child); i++) await sleep(50);
  // Whatever ignored SIGTERM or left our group (a daemonising child) is killed by pid.
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((c) => stop(c)));
}

/** A currently free loopback port (the OS picks it; we close the probe socket right away). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

const PROBE = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'bench-probe', version: '1' },
  },
});

/** Headers for one probe request, asked per request: a DPoP proof is good for one request only. */
export type ProbeHeaders = (method: 'POST' | 'DELETE') => Promise<Record<string, string>>;

/** One initialize; true on HTTP 200 with a result. The probe session is deleted again. */
async function probe(url: string, headers: ProbeHeaders): Promise<boolean> {
  try {
    const r = await request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(await headers('POST')),
      },
      body: PROBE,
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const text = await r.body.text();
    if (r.statusCode !== 200 || !text.includes('"result"')) return false;
    const sid = r.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const d = await request(url, {
        method: 'DELETE',
        headers: {
          ...(await headers('DELETE')),
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-11-25',
        },
      }).catch(() => null);
      await d?.body.dump().catch(() => {});
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `url` with initialize until it answers 200. Fails fast when the process exits, and after
 * timeoutMs, with the process's last stderr lines in the message. Returns the time to ready in ms.
 */
export async function waitReady(
  url: string,
  proc: Launched,
  timeoutMs: number,
  headers: ProbeHeaders = async () => ({}),
) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    if (exited(proc.child)) {
      throw new Error(
        `exited (code ${proc.child.exitCode ?? proc.child.signalCode}) before ready: ${proc.stderrTail() || '(no stderr)'}`,
      );
    }
    if (await probe(url, headers)) return performance.now() - t0;
    await sleep(25);
  }
  throw new Error(
    `no 200 to initialize at ${url} within ${timeoutMs} ms: ${proc.stderrTail() || '(no stderr)'}`,
  );
}
