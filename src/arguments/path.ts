// Path arguments: a file tool must stay inside the roots it was given. The value is percent-decoded (agents and
// prompt injections both use %2e%2e), normalised, resolved against the roots and then resolved again through
// symlinks with an injected realpath, so a link inside a root that points outside is caught. Sensitive files
// (keys, credentials, .env) are refused even inside a root.
import { posix } from 'node:path';
import { refuse, type Verdict } from './verdict.ts';

export const DEFAULT_SENSITIVE = [
  '.ssh',
  '.gnupg',
  '.env',
  '.env.*',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  'id_rsa*',
  'id_ed25519*',
  'id_ecdsa*',
  '.netrc',
  '.npmrc',
  '.pgpass',
  '.git-credentials',
  '.aws/credentials',
  '.docker/config.json',
  '.kube/config',
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/sudoers',
  '/proc/*/environ',
] as const;

export interface PathRules {
  /** Absolute directories the path must stay in; a relative value is taken relative to the first. */
  readonly roots: readonly string[];
  /** Whether a path that does not exist yet (a file about to be created) is accepted. */
  readonly allowWrite: boolean;
  /** Globs of sensitive files: without `/` they match any path segment, with `/` a run of segments. */
  readonly deny: readonly string[];
}

/** The filesystem a path check needs; `realpath` rejects with code ENOENT for a missing path. */
export interface PathFs {
  realpath(path: string): Promise<string>;
}

export interface VettedPath {
  /** The path with symlinks resolved, inside a root. */
  readonly resolved: string;
}

function decode(value: string): string | undefined {
  let current = value;
  // Repeated so double encoding (%252e) cannot survive one round.
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

function globRegex(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  return new RegExp(`^${body}$`, 'i');
}

/** True when `path` (absolute, normalised) names or lies under a sensitive file. */
export function isSensitive(path: string, deny: readonly string[]): boolean {
  const segments = path.split('/').filter((s) => s !== '');
  return deny.some((glob) => {
    if (glob.startsWith('/')) {
      const globSegments = glob.split('/').filter((s) => s !== '');
      const res = globSegments.map(globRegex);
      return segments.length >= res.length && res.every((re, i) => re.test(segments[i]!));
    }
    const res = glob
      .split('/')
      .filter((s) => s !== '')
      .map(globRegex);
    for (let start = 0; start + res.length <= segments.length; start++) {
      if (res.every((re, i) => re.test(segments[start + i]!))) return true;
    }
    return false;
  });
}

function inside(path: string, root: string): boolean {
  const r = root.endsWith('/') ? root : `${root}/`;
  return path === root || path.startsWith(r);
}

async function realpathOrMissing(fs: PathFs, path: string): Promise<string | undefined> {
  try {
    return await fs.realpath(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Resolves the longest existing prefix through symlinks and appends the missing rest. */
async function resolveThroughLinks(fs: PathFs, path: string): Promise<{ resolved: string; exists: boolean }> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    const real = await realpathOrMissing(fs, current);
    if (real !== undefined)
      return { resolved: posix.join(real, ...missing.reverse()), exists: missing.length === 0 };
    if (current === '/') return { resolved: path, exists: false };
    missing.push(posix.basename(current));
    current = posix.dirname(current);
  }
}

/** Vets a path argument against its roots, traversal, symlink escapes and sensitive files. */
export async function vetPath(raw: string, rules: PathRules, fs: PathFs): Promise<Verdict<VettedPath>> {
  if (raw === '') return refuse('the path is empty');
  const decoded = decode(raw);
  if (decoded === undefined) return refuse('the path has invalid or nested percent-encoding');
  if (decoded.includes('\0')) return refuse('the path contains a NUL byte');
  // Backslashes are separators on Windows tools; treat them as such so `..\\..` is traversal too.
  const value = decoded.replace(/\\/g, '/');
  if (value.split('/').includes('..')) return refuse('the path contains a .. traversal segment');
  if (/^[a-z]:/i.test(value) || value.startsWith('~')) return refuse('the path uses a drive or home prefix');
  if (rules.roots.length === 0) return refuse('no root is configured for this parameter');
  const absolute = posix.normalize(value.startsWith('/') ? value : posix.join(rules.roots[0]!, value));
  const root = rules.roots.find((r) => inside(absolute, posix.normalize(r)));
  if (root === undefined) return refuse('the path is outside the allowed roots');
  if (isSensitive(absolute, rules.deny)) return refuse('the path names a sensitive file');
  const { resolved, exists } = await resolveThroughLinks(fs, absolute);
  if (!exists && !rules.allowWrite) return refuse('the path does not exist');
  const realRoots = await Promise.all(rules.roots.map(async (r) => (await realpathOrMissing(fs, r)) ?? r));
  if (!realRoots.some((r) => inside(resolved, r)))
    return refuse('the path escapes its root through a symlink');
  if (isSensitive(resolved, rules.deny)) return refuse('the path links to a sensitive file');
  return { ok: true, value: { resolved } };
}
