// MCP over a child's stdin/stdout (newline-delimited JSON). The child runs in its own process group so that
// a wrapper such as npx and the real server behind it are stopped together; stderr goes to Rampart's log.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';
import { RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import type { SendOptions } from './credentials/provider.ts';
import type { MessageTransport, TransportHandlers } from './transport.ts';

/** The longest stdout line accepted from a child; beyond it the child is broken or hostile. */
const MAX_LINE_BYTES = 32 * 1024 * 1024;
const STDIN_CLOSE_GRACE_MS = 2_000;
const SIGTERM_GRACE_MS = 2_000;

export interface StdioSpawn {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  /** Host uid and gid to run as (a sandboxed child when Rampart runs as root). */
  uid?: number | undefined;
  gid?: number | undefined;
  /** Written to the child's fd 3 and closed: the seccomp filter a sandbox (bubblewrap) reads at start. */
  seccomp?: Buffer | undefined;
}

export class StdioTransport implements MessageTransport {
  private readonly spec: StdioSpawn;
  private readonly log: Logger;
  private child: ChildProcessWithoutNullStreams | undefined;
  private exited = false;

  constructor(spec: StdioSpawn, log: Logger) {
    this.spec = spec;
    this.log = log;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(handlers: TransportHandlers): Promise<void> {
    const child = spawn(this.spec.command, this.spec.args, {
      cwd: this.spec.cwd,
      env: this.spec.env,
      stdio: this.spec.seccomp ? ['pipe', 'pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe'],
      detached: true,
      ...(this.spec.uid !== undefined ? { uid: this.spec.uid, gid: this.spec.gid ?? this.spec.uid } : {}),
    });
    this.child = child;
    if (this.spec.seccomp) {
      const filter = child.stdio[3] as NodeJS.WritableStream & { on(e: 'error', f: () => void): void };
      filter.on('error', () => undefined); // a child that died before reading it is reported through 'exit'
      filter.end(this.spec.seccomp);
    }
    this.readLines(child.stdout, (line) => {
      let message: JsonRpcMessage;
      try {
        message = JSON.parse(line) as JsonRpcMessage;
      } catch {
        this.log.warn('upstream wrote a non-JSON line to stdout', { line: line.slice(0, 200) });
        return;
      }
      handlers.onMessage(message);
    });
    this.readLines(child.stderr, (line) => this.log.info('upstream stderr', { line: line.slice(0, 2000) }));
    child.stdin.on('error', () => undefined); // EPIPE after the child died is reported through 'exit'
    child.on('exit', (code, signal) => {
      this.exited = true;
      handlers.onClose(
        new RampartError('RAMPART_UPSTREAM_CRASHED', `exited with ${signal ?? `code ${code}`}`),
      );
    });
    return new Promise((resolve, reject) => {
      child.once('spawn', () => {
        // Arguments are not logged: operators sometimes pass credentials there.
        this.log.info('upstream spawned', {
          pid: child.pid,
          command: this.spec.command,
          argCount: this.spec.args.length,
        });
        resolve();
      });
      child.once('error', (err) => {
        this.exited = true;
        reject(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `cannot start: ${err.message}`));
      });
    });
  }

  send(message: JsonRpcMessage, _options?: SendOptions): Promise<void> {
    const child = this.child;
    if (!child || this.exited || !child.stdin.writable) {
      return Promise.reject(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE'));
    }
    child.stdin.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }

  /** Close stdin, then SIGTERM, then SIGKILL, each after a grace period (MCP lifecycle "Shutdown"). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.exited) return;
    const exited = once(child, 'exit').then(() => true);
    const within = (ms: number) =>
      Promise.race([exited, new Promise<boolean>((r) => setTimeout(r, ms, false).unref())]);
    child.stdin.end();
    if (await within(STDIN_CLOSE_GRACE_MS)) return;
    this.signalGroup('SIGTERM');
    if (await within(SIGTERM_GRACE_MS)) return;
    this.signalGroup('SIGKILL');
    await exited;
  }

  /** Kills the whole process group at once, used when Rampart itself must stop now. */
  killNow(): void {
    if (!this.exited) this.signalGroup('SIGKILL');
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }

  private readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      let start = 0;
      let newline = chunk.indexOf('\n');
      while (newline !== -1) {
        const line = buffered + chunk.slice(start, newline);
        buffered = '';
        if (line.trim().length > 0) onLine(line);
        start = newline + 1;
        newline = chunk.indexOf('\n', start);
      }
      buffered += chunk.slice(start);
      if (buffered.length > MAX_LINE_BYTES) {
        this.log.error('upstream wrote an oversized line; stopping it', { bytes: buffered.length });
        buffered = '';
        this.signalGroup('SIGKILL');
      }
    });
  }
}
