// The unified diff of one file as a patch (`patch -p1`, `git apply`): lines exactly as they are, byte for byte
// (the change history's reader-facing diff escapes control characters, which a CRLF line would not survive).
import { unifiedDiff } from '../changes/unified-diff.ts';

/** The patch turning `before` into `after` for `file` (as `a/<file>` and `b/<file>`); '' when equal. */
export function unifiedPatch(file: string, before: string, after: string): string {
  return unifiedDiff(before, after, `a/${file}`, `b/${file}`, { exact: true });
}
