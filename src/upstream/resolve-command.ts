// `npx -y pkg` starts npm, which starts the real server: supervising npx would leave the real server running
// when npx is killed. When the package is already installed locally, Rampart runs its bin directly instead.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ResolvedCommand {
  command: string;
  args: string[];
}

const NPX_FLAGS = new Set(['-y', '--yes', '-q', '--quiet', '--no-install', '--prefer-offline']);

function findPackageDir(name: string, from: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return path.dirname(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function splitSpec(spec: string): { name: string; version: string | undefined } {
  const at = spec.lastIndexOf('@');
  if (at > 0) return { name: spec.slice(0, at), version: spec.slice(at + 1) };
  return { name: spec, version: undefined };
}

/** Maps `npx [-y] <pkg>[@version] ...args` to `node <installed bin> ...args` when the package is installed. */
export function resolveCommand(command: string, args: string[], cwd: string): ResolvedCommand {
  if (path.basename(command) !== 'npx') return { command, args };
  let index = 0;
  while (index < args.length && NPX_FLAGS.has(args[index]!)) index++;
  const spec = args[index];
  if (spec === undefined || spec.startsWith('-')) return { command, args };
  const { name, version } = splitSpec(spec);
  const dir = findPackageDir(name, cwd) ?? findPackageDir(name, process.cwd());
  if (!dir) return { command, args };
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    version?: string;
    bin?: string | Record<string, string>;
  };
  if (version !== undefined && version !== 'latest' && manifest.version !== version) return { command, args };
  const bins = typeof manifest.bin === 'string' ? { [name]: manifest.bin } : (manifest.bin ?? {});
  const entries = Object.entries(bins);
  const unscoped = name.split('/').pop()!;
  const chosen = entries.length === 1 ? entries[0]![1] : (bins[unscoped] ?? bins[name]);
  if (chosen === undefined) return { command, args };
  const bin = path.resolve(dir, chosen);
  const rest = args.slice(index + 1);
  if (/\.(c|m)?js$/.test(bin)) return { command: process.execPath, args: [bin, ...rest] };
  return { command: bin, args: rest };
}
