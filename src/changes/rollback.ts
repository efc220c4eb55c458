// `rampart config rollback N`: version N's files are written back to disk (each atomically) and a new version
// "rollback to N" derived from N is recorded. It is `approved`, carrying over the original approvals, when
// someone other than its author approved N's content before; otherwise `proposed` (which, under the two-person
// rule, must be approved before it runs). Policy files are written before the config file: a running gateway
// reloads policy files by its watch, the config file applies at the next start.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { RampartError } from '../errors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { looseConfig } from './loose-config.ts';
import { absoluteName, relativeName, type SnapshotFile } from './snapshot.ts';
import type { VersionRecord, VersionStore } from './version-store.ts';

export interface RollbackInput {
  /** The config file to restore (the version's config bytes go here; policy paths are relative to its dir). */
  readonly configFile: string;
  readonly author: string;
  readonly now: number;
}

export interface RollbackResult {
  readonly target: VersionRecord;
  /** The new version, or undefined when N is the active version (its files were only put back). */
  readonly recorded: VersionRecord | undefined;
  /** Version paths whose bytes were written, and those already identical on disk. */
  readonly written: readonly SnapshotFile[];
  readonly unchanged: readonly SnapshotFile[];
}

/** Restores version `seq`'s files and records the rollback. */
export function rollback(store: VersionStore, seq: number, input: RollbackInput): RollbackResult {
  const target = store.require(seq);
  const files = store.files(seq);
  const configPath = path.resolve(input.configFile);
  const configDir = path.dirname(configPath);
  checkListing(seq, files, configDir);
  const where = (f: SnapshotFile) => (f.role === 'config' ? configPath : absoluteName(configDir, f.path));
  const written: SnapshotFile[] = [];
  const unchanged: SnapshotFile[] = [];
  const ordered = [...files.filter((f) => f.role === 'policy'), ...files.filter((f) => f.role === 'config')];
  for (const file of ordered) {
    if (sameBytes(where(file), file.bytes)) {
      unchanged.push(file);
      continue;
    }
    writeFileAtomic(where(file), file.bytes, file.mode);
    written.push(file);
  }
  const recorded = store.transaction(() => {
    if (store.active()?.digest === target.digest) return undefined;
    const approved = store.approvedWithDigest(target.digest);
    return store.create({
      snapshot: { files, digest: target.digest, twoPersonRule: target.twoPersonRule },
      author: input.author,
      createdAt: input.now,
      message: `rollback to ${seq}`,
      status: approved ? 'approved' : 'proposed',
      derivedFrom: seq,
      inherit: approved,
    });
  });
  return { target, recorded, written, unchanged };
}

/**
 * Only the files a version's own config names are written: a tampered listing in rampart.db cannot make a
 * rollback write anywhere else.
 */
function checkListing(seq: number, files: readonly SnapshotFile[], configDir: string): void {
  const config = files.filter((f) => f.role === 'config');
  if (config.length !== 1) throw listingError(seq);
  const named = new Set(
    looseConfig(config[0]!.bytes.toString('utf8')).policyFiles.map((f) => relativeName(configDir, f)),
  );
  for (const file of files) if (file.role === 'policy' && !named.has(file.path)) throw listingError(seq);
}

function listingError(seq: number): RampartError {
  return new RampartError(
    'RAMPART_CHANGE_CORRUPT',
    `the stored files of version ${seq} are not the files its configuration names`,
    { version: seq },
  );
}

function sameBytes(file: string, bytes: Buffer): boolean {
  try {
    return readFileSync(file).equals(bytes);
  } catch {
    return false;
  }
}
