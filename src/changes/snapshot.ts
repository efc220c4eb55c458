// A snapshot is what one configuration version is made of: the exact bytes of the config file and of every
// policy file it names (paths relative to the config file's directory), and one SHA-256 over the canonical
// listing of each file's path and SHA-256. Equal digests mean byte-identical files under the same names.
import { hash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson, sha256Hex } from '../audit/canonical.ts';
import { RampartError } from '../errors.ts';
import { looseConfig } from './loose-config.ts';

export type FileRole = 'config' | 'policy';

export interface SnapshotFile {
  /** Relative to the config file's directory, with `/` separators (the config file itself: its base name). */
  readonly path: string;
  readonly role: FileRole;
  readonly sha256: string;
  /** Permission bits the file had (restored files keep the mode of the file they replace, else this one). */
  readonly mode: number;
  readonly bytes: Buffer;
}

export interface Snapshot {
  /** The config file first, then the policy files by path. */
  readonly files: readonly SnapshotFile[];
  readonly digest: string;
  /** The config file asks for the two-person rule. */
  readonly twoPersonRule: boolean;
}

const DEFAULT_MODE = 0o600;

/** SHA-256 over the canonical JSON listing of `{path, sha256}` sorted by path: the digest of a version. */
export function versionDigest(files: readonly { path: string; sha256: string }[]): string {
  const listing = files
    .map((f) => ({ path: f.path, sha256: f.sha256 }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return sha256Hex(canonicalJson(listing));
}

/** How a file is named in a version: relative to the config directory, `/`-separated. */
export function relativeName(configDir: string, file: string): string {
  return path.relative(configDir, path.resolve(configDir, file)).split(path.sep).join('/');
}

/** Where a file of a version lives now: its name resolved against the config directory. */
export function absoluteName(configDir: string, name: string): string {
  return path.resolve(configDir, ...name.split('/'));
}

/** The snapshot of bytes already read: the config file and the policy files (absolute path to bytes). */
export function snapshotOf(
  configFile: string,
  configBytes: Buffer,
  policyFiles: ReadonlyMap<string, Buffer>,
): Snapshot {
  const configPath = path.resolve(configFile);
  const configDir = path.dirname(configPath);
  const config: SnapshotFile = fileOf(path.basename(configPath), 'config', configBytes, modeOf(configPath));
  const policies = new Map<string, SnapshotFile>();
  for (const [file, bytes] of policyFiles) {
    const name = relativeName(configDir, file);
    if (name === config.path || policies.has(name)) continue;
    policies.set(name, fileOf(name, 'policy', bytes, modeOf(absoluteName(configDir, name))));
  }
  const files = [config, ...[...policies.values()].sort((a, b) => (a.path < b.path ? -1 : 1))];
  return {
    files,
    digest: versionDigest(files),
    twoPersonRule: looseConfig(configBytes.toString('utf8')).twoPersonRule,
  };
}

/** Reads the config file and the policy files it names from disk now. */
export function readSnapshot(configFile: string): Snapshot {
  const configPath = path.resolve(configFile);
  const configBytes = readBytes(configPath, configFile);
  const configDir = path.dirname(configPath);
  const policies = new Map<string, Buffer>();
  for (const name of looseConfig(configBytes.toString('utf8')).policyFiles) {
    const file = path.resolve(configDir, name);
    policies.set(file, readBytes(file, name));
  }
  return snapshotOf(configPath, configBytes, policies);
}

/** One file of a snapshot from its bytes. */
export function fileOf(name: string, role: FileRole, bytes: Buffer, mode = DEFAULT_MODE): SnapshotFile {
  return { path: name, role, sha256: bytesSha256(bytes), mode, bytes };
}

/** SHA-256 (hex) of raw bytes. */
export function bytesSha256(bytes: Uint8Array): string {
  return hash('sha256', bytes);
}

function readBytes(file: string, shown: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RampartError('RAMPART_CHANGE_FILE_UNREADABLE', `cannot read ${shown} (${code})`, {
      file: shown,
    });
  }
}

function modeOf(file: string): number {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return DEFAULT_MODE;
  }
}
