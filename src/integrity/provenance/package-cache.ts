// The content-addressed package cache: `<cacheDir>/<sha512 hex of the tarball>/` holds the unpacked package
// (`package/`, with its dependencies), what verifying it established (`verification.json`) and the tree manifest
// (`files.json`). An entry is made in a temporary directory and renamed into place only when complete, then made
// read-only; it is checked against its manifest each time it is opened.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { RampartError } from '../../errors.ts';
import { type ChosenBin, chooseBin } from './bins.ts';
import { hasDependencies, installDependencies } from './dependencies.ts';
import type { PackageSpec } from './package-spec.ts';
import { unpackTarball } from './safe-unpack.ts';
import { checkTree, type TreeManifest, treeManifest } from './tree-manifest.ts';
import type { PackageFinding, PackageVerification } from './types.ts';

const PACKAGE_DIR = 'package';
const VERIFICATION_FILE = 'verification.json';
const MANIFEST_FILE = 'files.json';
/** The manifest is written after it is computed, so it does not list itself. */
const UNLISTED: ReadonlySet<string> = new Set([MANIFEST_FILE]);

/** A verified package, unpacked in the cache and ready to run. */
export interface CacheEntry {
  readonly dir: string;
  readonly packageDir: string;
  readonly verification: PackageVerification;
  /** The bin that runs (`bin` in the config, else the default one). */
  readonly bin: ChosenBin;
}

export interface InstallOptions {
  readonly cacheDir: string;
  readonly spec: PackageSpec;
  readonly verification: PackageVerification;
  readonly tarball: Buffer;
  /** Which bin to run; checked now, so a bad choice fails before anything is cached. */
  readonly bin: string | undefined;
  /** The npm executable for dependencies (tests). */
  readonly npm?: string;
}

/** The entry of a tarball with this SHA-512 (hex); its files are not checked here. */
export function cacheEntryDir(cacheDir: string, sha512Hex: string): string {
  if (!/^[0-9a-f]{128}$/.test(sha512Hex))
    throw new RampartError('RAMPART_PACKAGE_INTEGRITY', 'not a sha512 digest');
  return path.join(cacheDir, sha512Hex);
}

/**
 * Opens the cached entry of `sha512Hex` after checking its tree (RAMPART_PACKAGE_CACHE_TAMPERED); undefined when
 * there is none.
 */
export function openCacheEntry(
  cacheDir: string,
  sha512Hex: string,
  spec: PackageSpec,
  bin: string | undefined,
): CacheEntry | undefined {
  const dir = cacheEntryDir(cacheDir, sha512Hex);
  if (!existsSync(dir)) return undefined;
  const what = `the cached ${spec.name}@${spec.version}`;
  const manifest = readJson<{ files: TreeManifest }>(path.join(dir, MANIFEST_FILE), what).files;
  checkTree(dir, manifest, what, UNLISTED);
  const verification = readJson<PackageVerification>(path.join(dir, VERIFICATION_FILE), what);
  if (verification.name !== spec.name || verification.version !== spec.version) {
    throw new RampartError(
      'RAMPART_PACKAGE_CACHE_TAMPERED',
      `${what}: the entry holds ${verification.name}@${verification.version}`,
    );
  }
  const packageDir = path.join(dir, PACKAGE_DIR);
  const pkg = readJson<{ name: string; bin?: Record<string, string> | string }>(
    path.join(packageDir, 'package.json'),
    what,
  );
  return { dir, packageDir, verification, bin: chooseBin(pkg, packageDir, bin) };
}

/** Re-checks an opened entry's tree (before each start of its server); throws RAMPART_PACKAGE_CACHE_TAMPERED. */
export function recheckCacheEntry(entry: CacheEntry): void {
  const what = `the cached ${entry.verification.name}@${entry.verification.version}`;
  const manifest = readJson<{ files: TreeManifest }>(path.join(entry.dir, MANIFEST_FILE), what).files;
  checkTree(entry.dir, manifest, what, UNLISTED);
}

/** Unpacks a verified tarball into the cache (dependencies included) and returns the opened entry. */
export async function installIntoCache(options: InstallOptions): Promise<CacheEntry> {
  const { cacheDir, spec, verification } = options;
  const label = `${spec.name}@${spec.version}`;
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const existing = openCacheEntry(cacheDir, verification.tarballSha512, spec, options.bin);
  if (existing) return existing;
  const temp = path.join(
    cacheDir,
    `.tmp-${verification.tarballSha512.slice(0, 16)}-${randomBytes(6).toString('hex')}`,
  );
  try {
    const packageDir = path.join(temp, PACKAGE_DIR);
    await unpackTarball(options.tarball, packageDir);
    const pkg = readJson<{
      name: string;
      version: string;
      bin?: Record<string, string> | string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    }>(path.join(packageDir, 'package.json'), `the package.json of ${label}`);
    if (pkg.name !== spec.name || pkg.version !== spec.version) {
      throw new RampartError(
        'RAMPART_PACKAGE_INTEGRITY',
        `the tarball of ${label} holds the package.json of ${pkg.name}@${pkg.version}`,
      );
    }
    chooseBin(pkg, packageDir, options.bin);
    const findings: PackageFinding[] = [...verification.findings];
    if (hasDependencies(pkg)) {
      findings.push(
        ...(await installDependencies({
          packageDir,
          workDir: path.join(cacheDir, '.npm'),
          registry: verification.registry,
          label,
          ...(options.npm ? { npm: options.npm } : {}),
        })),
      );
    }
    writeFileSync(
      path.join(temp, VERIFICATION_FILE),
      `${JSON.stringify({ ...verification, findings }, null, 2)}\n`,
    );
    makeReadOnly(temp);
    writeFileSync(
      path.join(temp, MANIFEST_FILE),
      `${JSON.stringify({ files: treeManifest(temp) }, null, 2)}\n`,
    );
    chmodSync(path.join(temp, MANIFEST_FILE), 0o444);
    try {
      renameSync(temp, cacheEntryDir(cacheDir, verification.tarballSha512));
    } catch (err) {
      // Another process finished the same entry first: use theirs (checked as it is opened).
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw err;
      removeTree(temp);
    }
    chmodSync(cacheEntryDir(cacheDir, verification.tarballSha512), 0o555);
  } catch (err) {
    if (existsSync(temp)) removeTree(temp);
    throw err;
  }
  const entry = openCacheEntry(cacheDir, verification.tarballSha512, spec, options.bin);
  if (!entry)
    throw new RampartError('RAMPART_PACKAGE_CACHE_TAMPERED', `the cache entry of ${label} vanished`);
  return entry;
}

/** Deletes a cache entry or temporary tree (its read-only directories are made writable first). */
export function removeTree(dir: string): void {
  const walk = (current: string) => {
    const stat = lstatSync(current);
    if (!stat.isDirectory()) return;
    chmodSync(current, 0o700);
    for (const name of readdirSync(current)) walk(path.join(current, name));
  };
  if (existsSync(dir)) walk(dir);
  rmSync(dir, { recursive: true, force: true });
}

// Files keep their execute bits; nothing stays writable (directories included, so nothing can be added).
function makeReadOnly(root: string): void {
  const walk = (current: string) => {
    const stat = lstatSync(current);
    if (stat.isSymbolicLink()) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(current)) walk(path.join(current, name));
      if (current !== root) chmodSync(current, 0o555);
      return;
    }
    chmodSync(current, stat.mode & 0o111 ? 0o555 : 0o444);
  };
  walk(root);
}

function readJson<T>(file: string, what: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    const reason =
      err instanceof SyntaxError ? 'not valid JSON' : ((err as NodeJS.ErrnoException).code ?? 'unreadable');
    throw new RampartError('RAMPART_PACKAGE_CACHE_TAMPERED', `${what}: ${path.basename(file)} is ${reason}`);
  }
}
