// Whether the user a sandbox runs as can reach a path it is given, checked before bubblewrap starts: a path it
// cannot reach would make every start fail with bubblewrap's "Can't find source path" in the log and a restart
// loop, where the operator needs one clear error naming the path, the uid and what is missing.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export type AccessNeed = 'read' | 'write';

/**
 * Undefined when `uid` (with `gid` as its only group) can reach `target` for `need`; otherwise why not. `self` is
 * true when the sandbox runs as the current process's own user (the kernel's own check is used then).
 */
export function accessProblem(
  target: string,
  need: AccessNeed,
  who: { uid: number; gid: number; self: boolean },
): string | undefined {
  if (who.self) {
    try {
      accessSync(target, need === 'write' ? constants.R_OK | constants.W_OK : constants.R_OK);
      return undefined;
    } catch (err) {
      return `${target} is not ${need === 'write' ? 'writable' : 'readable'} (${(err as NodeJS.ErrnoException).code})`;
    }
  }
  // Every directory on the way needs search (x) permission.
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  let current: string = path.sep;
  for (const part of parts.slice(0, -1)) {
    current = path.join(current, part);
    if (!allowed(current, 0o1, who))
      return `uid ${who.uid} cannot pass through ${current} (no search permission)`;
  }
  const isDir = statSync(target).isDirectory();
  const bits = (need === 'write' ? 0o2 : 0) | 0o4 | (isDir ? 0o1 : 0);
  if (!allowed(target, bits, who)) {
    return `uid ${who.uid} cannot ${need === 'write' ? 'write' : 'read'} ${target}`;
  }
  return undefined;
}

/** POSIX permission bits (rwx as 4/2/1) for owner, else group, else others; ACLs are not consulted. */
function allowed(file: string, bits: number, who: { uid: number; gid: number }): boolean {
  const stat = statSync(file);
  const mode = stat.mode;
  const granted = stat.uid === who.uid ? (mode >> 6) & 7 : stat.gid === who.gid ? (mode >> 3) & 7 : mode & 7;
  return (granted & bits) === bits;
}
