// Where the programs the sandbox needs are: bubblewrap (`bwrap`) confines, util-linux `prlimit` sets the resource
// limits before bubblewrap starts. Looked up on PATH once per start, never taken from a client.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** The absolute path of `name` on `pathEnv`, or undefined when no executable of that name is there. */
export function findExecutable(
  name: string,
  pathEnv: string | undefined = process.env['PATH'],
): string | undefined {
  for (const dir of (pathEnv ?? '').split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** True when bubblewrap can be run here. */
export function sandboxAvailable(pathEnv: string | undefined = process.env['PATH']): boolean {
  return findExecutable('bwrap', pathEnv) !== undefined;
}
