// Starts `rampart serve --config FILE` as a child process (for tests that kill it) and resolves with its URL once
// it says it listens; rejects with its stderr if it exits first.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { NODE, REPO } from './rampart.ts';

export function serveRampart(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(NODE, [path.join(REPO, 'src/cli/main.ts'), 'serve', '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`rampart serve exited (${code}): ${err}`)));
  });
}
