// The unified diff of one file as a patch (`patch -p1`, `git apply`): lines exactly as they are, byte for byte.
// The edit script comes from the change history's line diff (src/changes/line-diff.ts); its own unified-diff.ts
// escapes control characters for human eyes, which a CRLF file's lines would not survive being applied.
import { type DiffOp, diffLines } from '../changes/line-diff.ts';

const CONTEXT = 3;
const NO_EOL = '\\ No newline at end of file';

/** The patch turning `before` into `after` for `file` (as `a/<file>` and `b/<file>`); '' when equal. */
export function unifiedPatch(file: string, before: string, after: string): string {
  if (before === after) return '';
  const ops = diffLines(linesOf(before), linesOf(after));
  return `--- a/${file}\n+++ b/${file}\n${hunksOf(ops).join('')}`;
}

/** The lines with their own newline, so a last line without one differs from the same text with one. */
function linesOf(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

/** Changes with CONTEXT kept lines around them; changes whose contexts would touch share a hunk. */
function hunksOf(ops: readonly DiffOp[]): string[] {
  const changed = ops.flatMap((op, i) => (op.kind === 'equal' ? [] : [i]));
  const hunks: string[] = [];
  let i = 0;
  while (i < changed.length) {
    let j = i;
    while (j + 1 < changed.length && changed[j + 1]! - changed[j]! <= 2 * CONTEXT + 1) j++;
    hunks.push(
      hunk(ops, Math.max(0, changed[i]! - CONTEXT), Math.min(ops.length, changed[j]! + CONTEXT + 1)),
    );
    i = j + 1;
  }
  return hunks;
}

function hunk(ops: readonly DiffOp[], from: number, to: number): string {
  // Lines before the hunk: kept and deleted ones count in the old file, kept and inserted ones in the new.
  let oldBefore = 0;
  let newBefore = 0;
  for (const op of ops.slice(0, from)) {
    if (op.kind !== 'insert') oldBefore++;
    if (op.kind !== 'delete') newBefore++;
  }
  let oldCount = 0;
  let newCount = 0;
  let body = '';
  for (const op of ops.slice(from, to)) {
    if (op.kind !== 'insert') oldCount++;
    if (op.kind !== 'delete') newCount++;
    const sign = op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+';
    body += op.line.endsWith('\n') ? `${sign}${op.line}` : `${sign}${op.line}\n${NO_EOL}\n`;
  }
  return `@@ -${range(oldBefore, oldCount)} +${range(newBefore, newCount)} @@\n${body}`;
}

/** `start,count`; an empty range is numbered by the line before it (`0,0` at the start of the file). */
function range(before: number, count: number): string {
  return `${count === 0 ? before : before + 1},${count}`;
}
