// Installs a package's dependencies into its cache entry with npm, as narrowly as npm allows: production
// dependencies only, no lifecycle scripts, from the allowed registry, with a clean environment (no inherited
// tokens, no user or global npmrc) and a deadline. Never npx.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RampartError } from '../../errors.ts';
import type { PackageFinding } from './types.ts';

const INSTALL_TIMEOUT_MS = 5 * 60_000;
const MAX_OUTPUT_CHARS = 4000;

export interface InstallDependencies {
  /** The unpacked package (its package.json declares the dependencies). */
  readonly packageDir: string;
  /** Where npm keeps its own cache and empty config files (inside the Rampart package cache). */
  readonly workDir: string;
  readonly registry: string;
  readonly label: string;
  /** The npm executable (`npm` on PATH by default). */
  readonly npm?: string;
}

/** True when the package declares dependencies npm would install. */
export function hasDependencies(pkg: {
  dependencies?: Record<string, string> | undefined;
  optionalDependencies?: Record<string, string> | undefined;
}): boolean {
  return Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).length > 0;
}

/** Runs `npm install` in the package directory; returns the findings it gives rise to. */
export async function installDependencies(options: InstallDependencies): Promise<PackageFinding[]> {
  mkdirSync(options.workDir, { recursive: true });
  // Empty user and global npmrc files: no token, registry or script setting of the machine's npm applies.
  const userConfig = path.join(options.workDir, 'user-npmrc');
  const globalConfig = path.join(options.workDir, 'global-npmrc');
  writeFileSync(userConfig, '');
  writeFileSync(globalConfig, '');
  const env: Record<string, string> = {
    HOME: options.workDir,
    npm_config_userconfig: userConfig,
    npm_config_globalconfig: globalConfig,
    npm_config_cache: path.join(options.workDir, 'npm-cache'),
    npm_config_update_notifier: 'false',
  };
  if (process.env['PATH'] !== undefined) env['PATH'] = process.env['PATH'];
  const args = [
    'install',
    '--omit=dev',
    '--ignore-scripts',
    '--no-audit',
    '--no-fund',
    '--no-save',
    '--no-bin-links',
    '--registry',
    options.registry,
  ];
  await run(options.npm ?? 'npm', args, options.packageDir, env, options.label);
  // A shrinkwrap ships the exact tree npm installed; without one, ranges were resolved just now.
  if (existsSync(path.join(options.packageDir, 'npm-shrinkwrap.json'))) return [];
  return [
    {
      code: 'PACKAGE_DEPENDENCIES_UNPINNED',
      severity: 'medium',
      message: `${options.label}: dependencies are resolved at install time, not pinned (no npm-shrinkwrap.json)`,
    },
  ];
}

function run(command: string, args: string[], cwd: string, env: Record<string, string>, label: string) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new RampartError('RAMPART_PACKAGE_INSTALL_FAILED', `${label}: cannot run npm (${err.message})`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const tail = output.trim().split('\n').slice(-5).join(' | ');
      reject(
        new RampartError(
          'RAMPART_PACKAGE_INSTALL_FAILED',
          `${label}: npm install failed (${signal ?? `exit ${code}`}): ${tail}`,
        ),
      );
    });
  });
}
