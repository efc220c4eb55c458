// Turns a stdio server's command line into the one that runs it confined:
//   prlimit (resource limits) -> bwrap (namespaces, mounts, no capabilities) -> [egress bridge ->] the server.
// The file system inside is built from nothing: the system directories read-only, /etc without its secrets, a
// private /tmp and home, the server's own code and working directory read-only, and only the paths the operator
// declared. Rampart's state directory is hidden even when it lies inside a bound directory.
import { existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { SandboxSettings } from '../config/sandbox-schema.ts';
import { RampartError } from '../errors.ts';
import { type AccessNeed, accessProblem } from './access-check.ts';
import { findExecutable } from './executables.ts';
import { type SeccompArch, seccompProgram, seccompSupported } from './seccomp.ts';

/** The uid and gid the server has inside its user namespace, whoever it is outside. */
export const SANDBOX_INSIDE_ID = 65_534;
export const SANDBOX_HOME = '/home/sandbox';
/** Where the egress socket's directory appears inside the sandbox. */
export const EGRESS_MOUNT = '/run/rampart';
/** The loopback port the egress bridge listens on inside the sandbox's own network namespace. */
export const EGRESS_BRIDGE_PORT = 3128;

const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/opt'];
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';
// Readable only by root on the host, and never the server's business even when Rampart runs as root.
const MASKED_FILES = ['/etc/shadow', '/etc/shadow-', '/etc/gshadow', '/etc/gshadow-', '/etc/sudoers'];
const MASKED_DIRS = ['/etc/ssh', '/etc/sudoers.d', '/etc/ssl/private'];

export interface StdioTarget {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** The child's environment as configured (`env`, vault references already resolved). */
  readonly env: Readonly<Record<string, string>>;
}

export interface SandboxContext {
  readonly settings: SandboxSettings;
  /** Relative `paths` are resolved against it (the config file's directory). */
  readonly baseDir: string;
  /** Host directories and files that must never be visible inside (Rampart's state directory, key files). */
  readonly hidden: readonly string[];
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  /** Set when the server may reach the network through the egress proxy. */
  readonly egress?: { readonly socketDir: string; readonly socketName: string } | undefined;
  /** Rampart's uid: as root the sandbox is started as `settings.uid`, otherwise as Rampart's own user. */
  readonly hostUid: number;
  readonly pathEnv?: string | undefined;
}

export interface SandboxedSpawn {
  readonly command: string;
  readonly args: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  /** Host uid and gid to start as (only when Rampart runs as root). */
  readonly uid?: number;
  readonly gid?: number;
  /** The seccomp filter to write to the child's fd 3, which bubblewrap reads (`--seccomp 3`). */
  readonly seccomp?: Buffer;
}

/** The descriptor bubblewrap reads the seccomp filter from. */
export const SECCOMP_FD = 3;

/** The bridge that carries the server's proxy connections out of its network namespace (run inside). */
export const EGRESS_BRIDGE = path.join(import.meta.dirname, 'egress-bridge.ts');

/** The confined command line for `target`; throws RAMPART_SANDBOX_UNAVAILABLE when bubblewrap or prlimit is missing. */
export function sandboxCommand(target: StdioTarget, context: SandboxContext): SandboxedSpawn {
  const pathEnv = context.pathEnv ?? context.processEnv['PATH'];
  const bwrap = findExecutable('bwrap', pathEnv);
  const prlimit = findExecutable('prlimit', pathEnv);
  if (!bwrap || !prlimit) {
    throw new RampartError(
      'RAMPART_SANDBOX_UNAVAILABLE',
      `${bwrap ? 'prlimit (util-linux)' : 'bubblewrap (bwrap)'} is not installed; install it or set "sandbox: off" for this server`,
    );
  }
  const program = absoluteProgram(target.command, target.cwd, pathEnv);
  const settings = context.settings;
  const mounts = [...systemMounts(), ...homeAndTmp()];

  // A home directory is never bound whole (~/.ssh, tokens, other clients' configs): a server whose working
  // directory is one starts in its private home instead.
  const cwdVisible = !isHomeOrAbove(realpathSync(target.cwd));
  const codePaths = [program, ...target.args.filter(isExistingAbsolute), ...(cwdVisible ? [target.cwd] : [])];
  if (context.egress) codePaths.push(process.execPath, EGRESS_BRIDGE);
  const bound: string[] = [];
  const runsAs = context.hostUid === 0 ? settings.uid : context.hostUid;
  const reachable = (host: string, need: AccessNeed) => {
    const problem = accessProblem(host, need, { uid: runsAs, gid: runsAs, self: context.hostUid !== 0 });
    if (problem) {
      throw new RampartError(
        'RAMPART_SANDBOX_UNAVAILABLE',
        `${problem}: the sandbox runs as uid ${runsAs}; give it access or bind another path`,
      );
    }
  };
  for (const root of new Set(codePaths.map(codeRoot).filter((r): r is string => r !== undefined))) {
    reachable(root, 'read');
    mounts.push(...bindBoth('--ro-bind', root));
    bound.push(root);
  }
  for (const declared of settings.paths) {
    const host = path.resolve(context.baseDir, declared.path);
    if (!existsSync(host)) {
      throw new RampartError('RAMPART_SANDBOX_UNAVAILABLE', `sandbox path ${host} does not exist`);
    }
    reachable(host, declared.mode === 'rw' ? 'write' : 'read');
    mounts.push(...bindBoth(declared.mode === 'rw' ? '--bind' : '--ro-bind', host));
    bound.push(realpathSync(host));
  }
  // Hidden behind an empty mount where a bound directory would show them; elsewhere they do not exist inside.
  for (const hidden of context.hidden) {
    if (!existsSync(hidden)) continue;
    const real = realpathSync(hidden);
    if (!bound.some((dir) => real === dir || real.startsWith(`${dir}${path.sep}`))) continue;
    mounts.push(...(statSync(real).isDirectory() ? ['--tmpfs', real] : ['--ro-bind', '/dev/null', real]));
  }
  if (context.egress) mounts.push('--ro-bind', context.egress.socketDir, EGRESS_MOUNT);

  const seccomp = seccompSupported() ? seccompProgram(process.arch as SeccompArch) : undefined;
  const inner = context.egress
    ? [
        process.execPath,
        EGRESS_BRIDGE,
        path.posix.join(EGRESS_MOUNT, context.egress.socketName),
        String(EGRESS_BRIDGE_PORT),
        program,
        ...target.args,
      ]
    : [program, ...target.args];

  const bwrapArgs = [
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    '--unshare-user',
    // No nested user namespaces: they are how unprivileged code reaches most kernel attack surface.
    '--disable-userns',
    '--uid',
    String(SANDBOX_INSIDE_ID),
    '--gid',
    String(SANDBOX_INSIDE_ID),
    '--hostname',
    'sandbox',
    '--cap-drop',
    'ALL',
    ...(seccomp ? ['--seccomp', String(SECCOMP_FD)] : []),
    ...mounts,
    '--chdir',
    cwdVisible ? target.cwd : SANDBOX_HOME,
    '--',
    ...inner,
  ];
  const limits = settings.limits;
  const prlimitArgs = [
    `--as=${limits.memoryMb * 1024 * 1024}`,
    `--nproc=${limits.processes}`,
    `--nofile=${limits.openFiles}`,
    `--cpu=${limits.cpuSeconds}`,
    '--core=0',
    '--',
    bwrap,
    ...bwrapArgs,
  ];
  const asRoot = context.hostUid === 0;
  return {
    command: prlimit,
    args: prlimitArgs,
    // The sandbox user may not be able to enter Rampart's directory; bwrap changes into `target.cwd` inside.
    cwd: '/',
    env: sandboxEnv(target, context, program),
    ...(asRoot ? { uid: settings.uid, gid: settings.uid } : {}),
    ...(seccomp ? { seccomp } : {}),
  };
}

/** Only what the operator allowed: the configured `env`, the inherited names, a fixed PATH and a private HOME. */
function sandboxEnv(target: StdioTarget, context: SandboxContext, program: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of context.settings.inheritEnv) {
    const value = context.processEnv[name];
    if (value !== undefined) env[name] = value;
  }
  const programDir = path.dirname(program);
  env['PATH'] = isSystemPath(programDir) ? SYSTEM_PATH : `${programDir}:${SYSTEM_PATH}`;
  env['HOME'] = SANDBOX_HOME;
  env['TMPDIR'] = '/tmp';
  Object.assign(env, target.env);
  if (context.egress) {
    const proxy = `http://127.0.0.1:${EGRESS_BRIDGE_PORT}`;
    for (const name of ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
      env[name] = proxy;
    }
    env['NO_PROXY'] = '';
    env['no_proxy'] = '';
    // Node.js 24 honours the proxy variables in fetch and http(s) only when asked to.
    env['NODE_USE_ENV_PROXY'] = '1';
  }
  return env;
}

function systemMounts(): string[] {
  const mounts: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    if (!existsSync(dir)) continue;
    const link = lstatSync(dir);
    if (link.isSymbolicLink()) mounts.push('--symlink', readlinkSync(dir), dir);
    else mounts.push('--ro-bind', dir, dir);
  }
  mounts.push('--ro-bind', '/etc', '/etc');
  for (const file of MASKED_FILES) if (existsSync(file)) mounts.push('--ro-bind', '/dev/null', file);
  for (const dir of MASKED_DIRS) if (existsSync(dir)) mounts.push('--tmpfs', dir);
  mounts.push('--dev', '/dev', '--proc', '/proc');
  return mounts;
}

function homeAndTmp(): string[] {
  return ['--tmpfs', '/tmp', '--dir', '/var/tmp', '--dir', SANDBOX_HOME, '--dir', '/run'];
}

/** Binds `host` at its own path, and its real path too when a symlink leads there (both names keep working). */
function bindBoth(flag: '--bind' | '--ro-bind', host: string): string[] {
  const real = realpathSync(host);
  const mounts = [flag, real, real];
  if (real !== host) mounts.push(flag, real, host);
  return mounts;
}

function isSystemPath(file: string): boolean {
  return SYSTEM_DIRS.some((dir) => file === dir || file.startsWith(`${dir}/`));
}

function isExistingAbsolute(arg: string): boolean {
  return path.isAbsolute(arg) && existsSync(arg);
}

/**
 * The directory to bind so that `file` can run: for a file, its package (nearest directory with a package.json,
 * so that its node_modules come along), else its directory; a directory stands for itself. System paths are
 * bound anyway, and the file system root is never bound whole.
 */
function codeRoot(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const real = realpathSync(file);
  if (isSystemPath(real)) return undefined;
  if (statSync(real).isDirectory()) return isHomeOrAbove(real) ? undefined : real;
  const own = path.dirname(real);
  let dir = own;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const project = projectOf(dir);
      return isHomeOrAbove(project) ? (isHomeOrAbove(own) ? real : own) : project;
    }
    const parent = path.dirname(dir);
    // A file straight in a home directory is bound alone.
    if (parent === dir) return isHomeOrAbove(own) ? real : own;
    dir = parent;
  }
}

/** The root, /home, /root, a user's home directory, or a directory above the current user's home. */
function isHomeOrAbove(dir: string): boolean {
  const home = homedir();
  return (
    dir === '/' ||
    dir === '/home' ||
    dir === '/root' ||
    /^\/home\/[^/]+$/.test(dir) ||
    dir === home ||
    home.startsWith(`${dir}${path.sep}`)
  );
}

/** A package inside node_modules needs its hoisted siblings: the project that holds the node_modules. */
function projectOf(packageDir: string): string {
  const at = packageDir.indexOf(`${path.sep}node_modules${path.sep}`);
  return at > 0 ? packageDir.slice(0, at) : packageDir;
}

/** The program as an absolute path: the sandbox's PATH is not Rampart's. */
function absoluteProgram(command: string, cwd: string, pathEnv: string | undefined): string {
  if (path.isAbsolute(command)) return command;
  if (command.includes('/')) return path.resolve(cwd, command);
  const found = findExecutable(command, pathEnv);
  if (!found)
    throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `cannot start: ${command} not found on PATH`);
  return found;
}
