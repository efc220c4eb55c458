// The patch that revokes unused grants: each policy's statement (annotations included) cut out of its .cedar file
// and nothing else touched, as a unified diff relative to the config directory (`patch -p1`, `git apply`). A
// statement alone on its lines takes those whole lines with it (and a comment after its `;`); comments above it
// stay, since Cedar does not tie them to the policy.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineIndex, splitStatements } from '../policy/cedar-source.ts';
import type { LoadedPolicy } from '../policy/policy-files.ts';
import { policyFileLabel } from './findings.ts';
import { unifiedPatch } from './unified-patch.ts';

export interface RevokePatch {
  /** The unified diff, or null when nothing is removed. */
  readonly patch: string | null;
  /** Each changed file's absolute path and its text after the patch. */
  readonly patched: ReadonlyMap<string, string>;
  /** Ids of the policies the patch removes. */
  readonly removed: readonly string[];
  /** Policies it cannot remove, and why. */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
}

/** The patch removing `policies` from their files; paths in it are relative to `configDir`. */
export function revokePatch(
  policies: readonly LoadedPolicy[],
  configDir: string,
  read: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): RevokePatch {
  const byFile = new Map<string, LoadedPolicy[]>();
  const skipped: { id: string; reason: string }[] = [];
  for (const policy of policies) {
    if (path.isAbsolute(policyFileLabel(configDir, policy.file))) {
      skipped.push({ id: policy.id, reason: `${policy.file} is outside the config directory` });
      continue;
    }
    byFile.set(policy.file, [...(byFile.get(policy.file) ?? []), policy]);
  }
  const diffs: string[] = [];
  const patched = new Map<string, string>();
  const removed: string[] = [];
  for (const [file, inFile] of [...byFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let source: string;
    try {
      source = read(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      for (const p of inFile) skipped.push({ id: p.id, reason: `cannot read ${file} (${code})` });
      continue;
    }
    const cuts: [number, number][] = [];
    for (const policy of inFile) {
      const cut = statementRange(source, policy);
      if (cut) {
        cuts.push(cut);
        removed.push(policy.id);
      } else skipped.push({ id: policy.id, reason: `${file} changed since it was loaded` });
    }
    if (cuts.length === 0) continue;
    const after = removeRanges(source, cuts);
    patched.set(file, after);
    diffs.push(unifiedPatch(policyFileLabel(configDir, file), source, after));
  }
  return { patch: diffs.length > 0 ? diffs.join('') : null, patched, removed, skipped };
}

/** The character range to cut for `policy`: its statement, widened to whole lines when it stands alone on them. */
export function statementRange(source: string, policy: LoadedPolicy): [number, number] | undefined {
  const index = new LineIndex(source);
  const bytes = Buffer.from(source, 'utf8');
  const statement = splitStatements(source).find((s) => {
    if (s.text !== policy.text) return false;
    const at = index.position(s.byteOffset);
    return at.line === policy.line && at.column === policy.column;
  });
  if (!statement) return undefined;
  const start = bytes.subarray(0, statement.byteOffset).toString('utf8').length;
  const end = start + statement.text.length;
  const lineStart = source.lastIndexOf('\n', start - 1) + 1;
  const newline = source.indexOf('\n', end);
  const lineEnd = newline === -1 ? source.length : newline;
  const aloneBefore = /^[ \t]*$/.test(source.slice(lineStart, start));
  const aloneAfter = /^[ \t]*(\/\/[^\n]*)?\r?$/.test(source.slice(end, lineEnd));
  if (aloneBefore && aloneAfter) return [lineStart, newline === -1 ? source.length : newline + 1];
  // Another statement shares the line: cut only this one (and, at the line's start, the blanks after it).
  if (aloneBefore) return [start, end + /^[ \t]*/.exec(source.slice(end))![0].length];
  return [start, end];
}

function removeRanges(source: string, ranges: readonly [number, number][]): string {
  let out = source;
  // From the last cut to the first, so the offsets of the cuts still to make stay valid.
  for (const [start, end] of [...ranges].sort((a, b) => b[0] - a[0])) {
    out = out.slice(0, start) + out.slice(end);
  }
  return out;
}
