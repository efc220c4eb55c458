// Unpacks a verified tarball without trusting its entries: absolute paths, "..", links that leave the tree, hard
// links, devices and FIFOs are refused (the whole tarball, not just the entry), and the unpacked size and entry
// count are bounded (a small gzip can inflate enormously). The top directory (`package/` by convention, but not
// always) is stripped, as npm does.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type ReadEntry } from 'tar';
import { RampartError } from '../../errors.ts';

const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;
const MAX_ENTRIES = 100_000;
const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory', 'SymbolicLink']);

/** Why an entry may not be unpacked, or undefined when it may (`raw` is its path inside the archive). */
export function entryProblem(raw: string, type: string, linkpath: string | undefined): string | undefined {
  const p = raw.replaceAll('\\', '/');
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) return `absolute path ${JSON.stringify(raw)}`;
  if (p.split('/').includes('..')) return `path with ".." ${JSON.stringify(raw)}`;
  if (!ALLOWED_TYPES.has(type)) return `${type} entry ${JSON.stringify(raw)}`;
  if (type === 'SymbolicLink') {
    const target = (linkpath ?? '').replaceAll('\\', '/');
    if (target === '' || target.startsWith('/')) return `link ${JSON.stringify(raw)} to an absolute path`;
    // The target, resolved from the link's own directory, must stay below the archive's top directory (which is
    // stripped: a link to a sibling top directory would point out of the unpacked package).
    const top = p.split('/')[0];
    const inside = path.posix.normalize(path.posix.join(path.posix.dirname(p), target));
    if (!inside.startsWith(`${top}/`)) {
      return `link ${JSON.stringify(raw)} that points out of the package`;
    }
  }
  return undefined;
}

/** Unpacks `tarball` (gzip) into the existing empty directory `dir`; throws RAMPART_PACKAGE_UNSAFE_ARCHIVE. */
export async function unpackTarball(tarball: Buffer, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  let problem: string | undefined;
  let bytes = 0;
  let entries = 0;
  const refuse = (why: string) => {
    problem ??= why;
    return false;
  };
  const unpack = extract({
    cwd: dir,
    strip: 1,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    noChmod: false,
    filter: (raw: string, entry: unknown) => {
      const e = entry as ReadEntry;
      if (problem) return false;
      if (++entries > MAX_ENTRIES) return refuse(`more than ${MAX_ENTRIES} entries`);
      bytes += e.size ?? 0;
      if (bytes > MAX_UNPACKED_BYTES) return refuse(`more than ${MAX_UNPACKED_BYTES} bytes unpacked`);
      const why = entryProblem(raw, e.type, e.linkpath);
      return why ? refuse(why) : true;
    },
  });
  try {
    await pipeline(Readable.from([tarball]), unpack);
  } catch (err) {
    throw new RampartError(
      'RAMPART_PACKAGE_UNSAFE_ARCHIVE',
      `the tarball cannot be unpacked: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (problem) throw new RampartError('RAMPART_PACKAGE_UNSAFE_ARCHIVE', `the tarball holds ${problem}`);
}
