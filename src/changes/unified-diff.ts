// Unified diff text (the `diff -u` / `git diff` layout) of two versions of a file. Lines are shown with control
// characters and bidirectional-text controls escaped: an approver reviewing a change must see every byte that
// changed, not what a terminal escape sequence or a right-to-left override makes the line look like.
import { type DiffOp, diffLines } from './line-diff.ts';

const CONTEXT = 3;

/**
 * `--- old` / `+++ new` headers and hunks; the empty string when the texts are equal. `exact` keeps every line
 * byte for byte (a patch to apply: a CRLF line would not survive escaping) instead of escaping it for a reader.
 */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldLabel: string,
  newLabel: string,
  options: { readonly exact?: boolean } = {},
): string {
  if (oldText === newText) return '';
  const ops = diffLines(linesOf(oldText), linesOf(newText));
  let out = `--- ${oldLabel}\n+++ ${newLabel}\n`;
  const show = options.exact ? (line: string) => line : visible;
  for (const hunk of hunksOf(ops, show)) out += hunk;
  return out;
}

/** Lines with their terminator, so that "no newline at end of file" is a difference of its own. */
function linesOf(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n').map((line) => `${line}\n`);
  const last = lines.length - 1;
  // The text ended with "\n": split left an empty last piece, which is no line.
  if (text.endsWith('\n')) lines.pop();
  else lines[last] = lines[last]!.slice(0, -1);
  return lines;
}

function hunksOf(ops: readonly DiffOp[], show: (line: string) => string): string[] {
  const changed = ops.flatMap((op, i) => (op.kind === 'equal' ? [] : [i]));
  const hunks: string[] = [];
  let i = 0;
  while (i < changed.length) {
    // A hunk spans changes whose gaps of kept lines are short enough to share their context.
    let j = i;
    while (j + 1 < changed.length && changed[j + 1]! - changed[j]! <= 2 * CONTEXT + 1) j++;
    const from = Math.max(0, changed[i]! - CONTEXT);
    const to = Math.min(ops.length, changed[j]! + CONTEXT + 1);
    hunks.push(hunk(ops, from, to, show));
    i = j + 1;
  }
  return hunks;
}

function hunk(ops: readonly DiffOp[], from: number, to: number, show: (line: string) => string): string {
  let oldLine = 1;
  let newLine = 1;
  for (const op of ops.slice(0, from)) {
    if (op.kind !== 'insert') oldLine++;
    if (op.kind !== 'delete') newLine++;
  }
  let oldCount = 0;
  let newCount = 0;
  let body = '';
  for (const op of ops.slice(from, to)) {
    if (op.kind !== 'insert') oldCount++;
    if (op.kind !== 'delete') newCount++;
    const sign = op.kind === 'equal' ? ' ' : op.kind === 'delete' ? '-' : '+';
    const terminated = op.line.endsWith('\n');
    body += `${sign}${show(terminated ? op.line.slice(0, -1) : op.line)}\n`;
    if (!terminated) body += '\\ No newline at end of file\n';
  }
  return `@@ -${range(oldLine, oldCount)} +${range(newLine, newCount)} @@\n${body}`;
}

/** `start,count` as diff writes it: `,1` left out, and an empty range names the line before it. */
function range(start: number, count: number): string {
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

// C0 and C1 controls (tab stays as it is) and the bidirectional controls (Trojan Source).
const HIDDEN = /[\p{Cc}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** A line with every control character shown as an escape (`\x1b`, `\u202e`). */
export function visible(line: string): string {
  return line.replace(HIDDEN, (ch) => {
    const code = ch.codePointAt(0)!;
    if (ch === '\t') return ch;
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
