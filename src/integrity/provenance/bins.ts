// Which file of a package runs: its `bin` entries (npm's rules: a string bin is named after the unscoped package),
// the one chosen (`bin` in the config, else the only one, else the one named like the package), and a check that
// the file is a Node script inside the package (it is run with this Node, never through a shell).
import { closeSync, lstatSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { RampartError } from '../../errors.ts';

export interface PackageJsonBins {
  readonly name: string;
  readonly bin?: string | Readonly<Record<string, string>> | undefined;
}

/** The package's bins by name. */
export function binsOf(pkg: PackageJsonBins): Record<string, string> {
  const unscoped = pkg.name.split('/').pop() ?? pkg.name;
  if (typeof pkg.bin === 'string') return { [unscoped]: pkg.bin };
  return { ...(pkg.bin ?? {}) };
}

export interface ChosenBin {
  readonly name: string;
  /** Absolute path of the script. */
  readonly file: string;
}

/** Picks the bin to run and checks its file; throws RAMPART_PACKAGE_BIN. */
export function chooseBin(pkg: PackageJsonBins, packageDir: string, wanted: string | undefined): ChosenBin {
  const bins = binsOf(pkg);
  const names = Object.keys(bins);
  const unscoped = pkg.name.split('/').pop() ?? pkg.name;
  const name = wanted ?? (names.length === 1 ? names[0] : names.includes(unscoped) ? unscoped : undefined);
  const listed = names.length > 0 ? names.join(', ') : 'none';
  if (name === undefined) {
    throw new RampartError(
      'RAMPART_PACKAGE_BIN',
      `${pkg.name} has several bins (${listed}); name one with \`bin\``,
    );
  }
  const relative = bins[name];
  if (relative === undefined) {
    throw new RampartError('RAMPART_PACKAGE_BIN', `${pkg.name} has no bin "${name}" (bins: ${listed})`);
  }
  const file = path.resolve(packageDir, relative);
  if (!file.startsWith(`${packageDir}${path.sep}`)) {
    throw new RampartError(
      'RAMPART_PACKAGE_BIN',
      `the bin "${name}" of ${pkg.name} points out of the package`,
    );
  }
  let isFile = false;
  try {
    isFile = lstatSync(file).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile)
    throw new RampartError('RAMPART_PACKAGE_BIN', `the bin "${name}" of ${pkg.name} is not a file in it`);
  if (!isNodeScript(file)) {
    throw new RampartError('RAMPART_PACKAGE_BIN', `the bin "${name}" of ${pkg.name} is not a Node script`);
  }
  return { name, file };
}

// A JavaScript file, or a file whose shebang names node: anything else would need a shell or another interpreter.
function isNodeScript(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(128);
    const read = readSync(fd, head, 0, head.length, 0);
    const first = head.subarray(0, read).toString('utf8').split('\n')[0] ?? '';
    if (first.startsWith('#!')) return /\bnode\b/.test(first);
    return /\.(c|m)?js$/.test(file);
  } finally {
    closeSync(fd);
  }
}
