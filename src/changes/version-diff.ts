// `rampart config diff`: a unified diff per file between two versions, or between a version and the files on
// disk now. The config file is matched by its role (it may have been renamed), policy files by path.
import type { SnapshotFile } from './snapshot.ts';
import { unifiedDiff } from './unified-diff.ts';

export interface DiffSide {
  /** Shown after each file name: "version 3", "on disk". */
  readonly label: string;
  readonly files: readonly SnapshotFile[];
}

/** The diffs of every file that differs, config file first; the empty string when the sides are identical. */
export function diffVersions(from: DiffSide, to: DiffSide): string {
  const key = (f: SnapshotFile) => (f.role === 'config' ? '' : `policy:${f.path}`);
  const before = new Map(from.files.map((f) => [key(f), f]));
  const after = new Map(to.files.map((f) => [key(f), f]));
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort();
  let out = '';
  for (const k of keys) {
    const a = before.get(k);
    const b = after.get(k);
    if (a && b && a.sha256 === b.sha256 && a.path === b.path) continue;
    out += unifiedDiff(
      a ? a.bytes.toString('utf8') : '',
      b ? b.bytes.toString('utf8') : '',
      a ? `a/${a.path} (${from.label})` : '/dev/null',
      b ? `b/${b.path} (${to.label})` : '/dev/null',
    );
    // A renamed file with identical bytes still shows that it moved.
    if (a && b && a.sha256 === b.sha256)
      out += `--- a/${a.path} (${from.label})\n+++ b/${b.path} (${to.label})\n`;
  }
  return out;
}
