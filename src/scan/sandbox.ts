// How `rampart scan` starts a stdio server it does not trust: under bubblewrap, with the whole file system read-only,
// the user's home directories hidden behind empty tmpfs (so ~/.ssh, tokens and other clients' configs are out of
// reach), no network unless asked, no capabilities, and killed with the scanner. The server's own directory and
// the files its command line names are bound back read-only so that it can start.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { StdioTarget } from './client-configs.ts';

export interface SandboxOptions {
  /** Let the server reach the network (e.g. `npx` fetching a package). */
  readonly network: boolean;
  /** Directories to hide (home directories). */
  readonly hide: readonly string[];
}

/** The bubblewrap command line that runs `target` confined. */
export function sandboxed(target: StdioTarget, options: SandboxOptions): { command: string; args: string[] } {
  const args = [
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    ...(options.network ? ['--share-net'] : []),
    '--cap-drop',
    'ALL',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--tmpfs',
    '/tmp',
  ];
  for (const dir of options.hide) if (existsSync(dir)) args.push('--tmpfs', dir);
  for (const dir of namedDirectories(target)) args.push('--ro-bind', dir, dir);
  if (target.cwd) args.push('--chdir', target.cwd);
  args.push('--', target.command, ...target.args);
  return { command: 'bwrap', args };
}

/** The directories a command line names (its program, absolute path arguments, its cwd), to bind back in. */
function namedDirectories(target: StdioTarget): string[] {
  const dirs = new Set<string>();
  for (const candidate of [target.command, ...target.args, ...(target.cwd ? [target.cwd] : [])]) {
    if (!path.isAbsolute(candidate) || !existsSync(candidate)) continue;
    dirs.add(statSync(candidate).isDirectory() ? candidate : path.dirname(candidate));
  }
  return [...dirs];
}
