// Child processes of the conformance runner. Each is started as the leader of its own process group so that it
// can be stopped with everything it spawned (the suite's shell and harnesses, Rampart's stdio fixture) by its
// id, and every one is remembered so that an error or a signal never leaves one behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface Tracked {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const live = new Set<Tracked>();

export interface SpawnOptions {
  cwd: string;
  /** stdout and stderr are appended here (stdout is also handed to `onStdout` when given). */
  logFile: string;
  onStdout?: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export function start(command: string, args: string[], options: SpawnOptions): Tracked {
  const log: WriteStream = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    options.onStdout?.(chunk.toString('utf8'));
  });
  child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      log.write(`\n[runner] spawn failed: ${err.message}\n`);
      resolve(-1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
  });
  const tracked: Tracked = {
    child,
    exited,
    // SIGTERM first (Rampart shuts down gracefully and stops its fixture), SIGKILL to the group after a grace.
    async stop() {
      const pid = child.pid;
      if (pid !== undefined && child.exitCode === null && child.signalCode === null) {
        signalGroup(pid, 'SIGTERM');
        const timer = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
        await Promise.race([exited, timer]);
      }
      // Group members (harnesses, the fixture) may outlive their leader: sweep the group either way.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      await exited;
      live.delete(tracked);
      await new Promise<void>((resolve) => log.end(resolve));
    },
  };
  void exited.then(() => {
    if (child.pid === undefined) live.delete(tracked);
  });
  live.add(tracked);
  return tracked;
}

/** Stops every child still running (in parallel: the overall time bound matters more than ordering). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((tracked) => tracked.stop()));
}
