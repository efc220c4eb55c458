// A record of every file of a cache entry (SHA-256 and whether it is executable; symlinks by target), written
// when the entry is made and compared before each start: a file changed, added or removed since then means the
// tree is no longer what was verified, and the server is not started from it.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { RampartError } from '../../errors.ts';

/** Relative path (POSIX separators) to `sha256:<hex>[+x]` or `link:<target>`. */
export type TreeManifest = Record<string, string>;

/** Hashes every entry below `root` but those in `skip` (directories are implied by their files). */
export function treeManifest(root: string, skip: ReadonlySet<string> = new Set()): TreeManifest {
  const manifest: TreeManifest = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full).split(path.sep).join('/');
      if (skip.has(rel)) continue;
      const stat = lstatSync(full);
      if (stat.isDirectory()) walk(full);
      else if (stat.isSymbolicLink()) manifest[rel] = `link:${readlinkSync(full)}`;
      else if (stat.isFile()) {
        const digest = createHash('sha256').update(readFileSync(full)).digest('hex');
        manifest[rel] = `sha256:${digest}${stat.mode & 0o111 ? '+x' : ''}`;
      } else manifest[rel] = 'special';
    }
  };
  walk(root);
  return manifest;
}

/** Throws RAMPART_PACKAGE_CACHE_TAMPERED naming the first difference between `root` and `expected`. */
export function checkTree(
  root: string,
  expected: TreeManifest,
  what: string,
  skip: ReadonlySet<string> = new Set(),
): void {
  let actual: TreeManifest;
  try {
    actual = treeManifest(root, skip);
  } catch (err) {
    throw new RampartError(
      'RAMPART_PACKAGE_CACHE_TAMPERED',
      `${what}: the tree cannot be read (${String(err)})`,
    );
  }
  for (const [file, entry] of Object.entries(expected)) {
    if (actual[file] === undefined) throw tampered(what, `${file} was removed`);
    if (actual[file] !== entry) throw tampered(what, `${file} was modified`);
  }
  for (const file of Object.keys(actual)) {
    if (expected[file] === undefined) throw tampered(what, `${file} was added`);
  }
}

function tampered(what: string, detail: string): RampartError {
  return new RampartError('RAMPART_PACKAGE_CACHE_TAMPERED', `${what}: ${detail} since it was verified`);
}
