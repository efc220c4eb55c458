// What a definition change ADDED, field by field: a word-level diff of every string in the definition (name,
// title, description, annotations, and every string of the input schema: property names, descriptions, enums,
// defaults, examples), so a detector reads only the new words. Scanning the whole new definition would re-score
// text an operator already approved; scanning the character diff would split words.

/** The words one field gained, as runs of consecutive inserted words, and how many words it lost. */
export interface AddedField {
  /** JSON path of the field (`description`, `inputSchema.properties.path.description`, `…properties.path#key`). */
  readonly field: string;
  /** Each run of consecutive added words, joined by single spaces. */
  readonly runs: readonly string[];
  readonly addedWords: number;
  readonly removedWords: number;
  /** Words in the field before the change (0 for a new field). */
  readonly beforeWords: number;
  /** The field's whole new value (spans index into it). */
  readonly text: string;
}

/** Past this many words per side the diff falls back to a multiset difference (LCS is quadratic). */
const MAX_LCS_WORDS = 800;

/** Every string-valued field of a definition by JSON path; object keys under `properties` count as fields too. */
export function stringFields(definition: unknown): Map<string, string> {
  const out = new Map<string, string>();
  collect(definition, '', false, out, 0);
  return out;
}

function collect(
  value: unknown,
  path: string,
  keysAreNames: boolean,
  out: Map<string, string>,
  depth: number,
) {
  if (depth > 32) return;
  if (typeof value === 'string') {
    out.set(path || '(definition)', value);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      collect(v, `${path}[${i}]`, false, out, depth + 1);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [key, v] of Object.entries(value)) {
    const child = path ? `${path}.${key}` : key;
    // Property names are text the model reads (`context_for_the_assistant`), so a new one is added text.
    if (keysAreNames) out.set(`${child}#key`, key);
    collect(v, child, key === 'properties' || key === 'patternProperties', out, depth + 1);
  }
}

/** The added text of every field that gained words between `before` and `after` (either may be undefined). */
export function addedText(before: unknown, after: unknown): AddedField[] {
  const old = stringFields(before);
  const out: AddedField[] = [];
  for (const [field, text] of stringFields(after)) {
    const previous = old.get(field);
    if (previous === text) continue;
    const a = words(previous ?? '');
    const b = words(text);
    const diff = wordDiff(a, b);
    if (diff.runs.length === 0) continue;
    out.push({
      field,
      runs: diff.runs,
      addedWords: diff.added,
      removedWords: diff.removed,
      beforeWords: a.length,
      text,
    });
  }
  return out;
}

function words(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w.length > 0);
}

/** Words compare without case and edge punctuation, so "Fetch" -> "fetch." is not an addition. */
function norm(word: string): string {
  return word.toLowerCase().replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, '');
}

function wordDiff(
  a: readonly string[],
  b: readonly string[],
): { runs: string[]; added: number; removed: number } {
  if (a.length === 0) return { runs: b.length ? [b.join(' ')] : [], added: b.length, removed: 0 };
  const an = a.map(norm);
  const bn = b.map(norm);
  const keep = a.length > MAX_LCS_WORDS || b.length > MAX_LCS_WORDS ? multisetKeep(an, bn) : lcsKeep(an, bn);
  const runs: string[] = [];
  let run: string[] = [];
  let added = 0;
  for (let j = 0; j < b.length; j++) {
    if (keep[j]) {
      if (run.length) runs.push(run.join(' '));
      run = [];
    } else {
      run.push(b[j] as string);
      added++;
    }
  }
  if (run.length) runs.push(run.join(' '));
  const kept = keep.filter(Boolean).length;
  return { runs, added, removed: a.length - kept };
}

/** keep[j]: word j of `b` is part of a longest common subsequence with `a`. */
function lcsKeep(a: readonly string[], b: readonly string[]): boolean[] {
  const n = a.length;
  const m = b.length;
  const width = m + 1;
  const table = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * width + j] =
        a[i] === b[j]
          ? (table[(i + 1) * width + j + 1] as number) + 1
          : Math.max(table[(i + 1) * width + j] as number, table[i * width + j + 1] as number);
    }
  }
  const keep = new Array<boolean>(m).fill(false);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      keep[j] = true;
      i++;
      j++;
    } else if ((table[(i + 1) * width + j] as number) >= (table[i * width + j + 1] as number)) i++;
    else j++;
  }
  return keep;
}

function multisetKeep(a: readonly string[], b: readonly string[]): boolean[] {
  const counts = new Map<string, number>();
  for (const w of a) counts.set(w, (counts.get(w) ?? 0) + 1);
  return b.map((w) => {
    const c = counts.get(w) ?? 0;
    if (c > 0) counts.set(w, c - 1);
    return c > 0;
  });
}
