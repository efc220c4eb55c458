// A per-field diff of two definitions, for an approver deciding whether a change is benign: which fields were
// added, removed or changed (by JSON path), and for changed text exactly which characters went in or out, so an
// instruction appended to the end of a long description cannot hide in a side-by-side view.
import { isObject } from '../core/jsonrpc.ts';

export interface FieldChange {
  /** JSON path of the field, e.g. `inputSchema.properties.path.description` or `icons[0].src`. */
  readonly path: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
  /** For a changed string: the text removed and the text inserted, around their common prefix and suffix. */
  readonly text?: { readonly removed: string; readonly inserted: string; readonly at: number };
}

/** The fields that differ between two definitions (either may be undefined: an addition or a removal). */
export function fieldDiff(before: unknown, after: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  walk(before, after, '', out);
  return out;
}

function walk(before: unknown, after: unknown, path: string, out: FieldChange[]): void {
  if (before === undefined && after === undefined) return;
  if (before === undefined) {
    out.push({ path: path || '(definition)', op: 'added', after });
    return;
  }
  if (after === undefined) {
    out.push({ path: path || '(definition)', op: 'removed', before });
    return;
  }
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) walk(before[key], after[key], join(path, key), out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    for (let i = 0; i < length; i++) walk(before[i], after[i], `${path}[${i}]`, out);
    return;
  }
  if (sameJson(before, after)) return;
  const change: FieldChange = { path: path || '(definition)', op: 'changed', before, after };
  out.push(
    typeof before === 'string' && typeof after === 'string'
      ? { ...change, text: textChange(before, after) }
      : change,
  );
}

function join(path: string, key: string): string {
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${segment}` : segment;
}

function sameJson(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** What one string lost and gained, outside their longest common prefix and suffix. */
export function textChange(before: string, after: string): { removed: string; inserted: string; at: number } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before[start] === after[start]) start++;
  let end = 0;
  while (end < max - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return {
    removed: before.slice(start, before.length - end),
    inserted: after.slice(start, after.length - end),
    at: start,
  };
}

const CONTEXT = 40;

/** The diff as lines a person reads in a terminal: `~ path`, `+ path`, `- path`, with the text that moved. */
export function renderFieldDiff(changes: readonly FieldChange[]): string[] {
  const lines: string[] = [];
  for (const c of changes) {
    if (c.op === 'added') lines.push(`+ ${c.path}: ${show(c.after)}`);
    else if (c.op === 'removed') lines.push(`- ${c.path}: ${show(c.before)}`);
    else if (c.text) {
      const before = c.before as string;
      const lead = before.slice(Math.max(0, c.text.at - CONTEXT), c.text.at);
      const tail = before.slice(c.text.at + c.text.removed.length).slice(0, CONTEXT);
      lines.push(`~ ${c.path}:`);
      lines.push(
        `    …${visible(lead)}[-${visible(c.text.removed)}-]{+${visible(c.text.inserted)}+}${visible(tail)}…`,
      );
    } else lines.push(`~ ${c.path}: ${show(c.before)} → ${show(c.after)}`);
  }
  return lines;
}

function show(value: unknown): string {
  return visible(JSON.stringify(value) ?? 'undefined');
}

/**
 * Makes invisible and control characters visible (zero-width, bidi controls, tag characters, escapes), so a diff
 * shows what an agent would read and a person would not see.
 */
export function visible(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to reveal
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb]|[\u{e0000}-\u{e007f}]/gu,
    (ch) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`,
  );
}
