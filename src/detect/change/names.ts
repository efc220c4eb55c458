// Look-alike names: a renamed tool that differs from the old (or another session tool's) name only by homoglyphs,
// separators, a version or promotional affix (`_v2`, `best-`, `official_`) or a small edit is how name squatting and
// preference manipulation win the model's tool choice.
import { hit, type Weighted } from './weighted.ts';

// Common Latin look-alikes from Unicode TR39 confusables (Cyrillic, Greek, digits), enough for tool identifiers.
const CONFUSABLE: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  ԛ: 'q',
  ԝ: 'w',
  һ: 'h',
  ɡ: 'g',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  '0': 'o',
  '1': 'l',
  '|': 'l',
  ı: 'i',
  ł: 'l',
  ø: 'o',
};

/** True for a word mixing Latin with Cyrillic or Greek letters: a homoglyph disguise, never real spelling. */
export function mixedScript(word: string): boolean {
  return /[A-Za-z]/.test(word) && /[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]/u.test(word);
}

/** `text` with the Cyrillic and Greek look-alikes inside mixed-script words mapped to Latin letters. */
export function latinize(text: string): string {
  return text.replace(/[\p{L}\p{M}]+/gu, (word) =>
    mixedScript(word)
      ? [...word]
          .map((ch) => (/[\u0370-\u052f]/u.test(ch) ? (CONFUSABLE[ch.toLowerCase()] ?? ch) : ch))
          .join('')
      : word,
  );
}

/** The TR39-style skeleton of a tool name: NFKC, case-folded, confusables mapped, separators dropped. */
export function skeleton(name: string): string {
  let out = '';
  for (const ch of name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()) {
    if (/[\s_\-.:/]/u.test(ch)) continue;
    out += CONFUSABLE[ch] ?? ch;
  }
  return out.replace(/rn/g, 'm').replace(/vv/g, 'w').replace(/i/g, 'l');
}

function plain(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-.:/]/gu, '');
}

const AFFIX =
  /^(?:v?\d+|new|newer|latest|best|top|pro|plus|premium|official|original|real|true|secure|safe|verified|trusted|fixed|improved|enhanced|updated|advanced|ultimate|super|fast|smart|better|prime|main|default|the|my)+$/u;

export type Lookalike = { readonly kind: 'homoglyph' | 'affix' | 'edit'; readonly other: string };

/** How `name` imitates `other` (same skeleton, an added affix, or within a small edit distance), if it does. */
export function lookalikeOf(name: string, other: string): Lookalike | undefined {
  if (name === other) return undefined;
  const a = skeleton(name);
  const b = skeleton(other);
  if (a === b) return { kind: 'homoglyph', other };
  // Affixes compare on the plain form: the skeleton reads the `1` of `_v1` as an `l`.
  const plainA = plain(name);
  const plainB = plain(other);
  if (plainB.length >= 4 && plainA.includes(plainB) && AFFIX.test(plainA.replace(plainB, ''))) {
    return { kind: 'affix', other };
  }
  const limit = b.length >= 12 ? 2 : b.length >= 6 ? 1 : 0;
  if (limit > 0 && Math.abs(a.length - b.length) <= limit && editDistance(a, b, limit) <= limit) {
    return { kind: 'edit', other };
  }
  return undefined;
}

/** The first of `others` that `name` imitates (the other tools of the session). */
export function lookalikeAmong(name: string, others: readonly string[]): Lookalike | undefined {
  for (const other of others) {
    const hitFound = lookalikeOf(name, other);
    if (hitFound) return hitFound;
  }
  return undefined;
}

/** Findings for a definition whose name changed. */
export function nameChangeFindings(before: unknown, after: unknown): Weighted[] {
  const from = nameOf(before);
  const to = nameOf(after);
  if (from === undefined || to === undefined || from === to) return [];
  const evidence = `${from} -> ${to}`;
  const look = lookalikeOf(to, from);
  if (look?.kind === 'homoglyph') return [hit('change.name_lookalike', 'high', 0.7, evidence, 'name')];
  if (look?.kind === 'affix') return [hit('change.name_affix', 'high', 0.6, evidence, 'name')];
  if (look?.kind === 'edit') return [hit('change.name_lookalike', 'medium', 0.4, evidence, 'name')];
  // A tool keeping its behaviour under a new name is unusual drift; weak alone.
  return [hit('change.renamed', 'low', 0.25, evidence, 'name')];
}

function nameOf(definition: unknown): string | undefined {
  if (definition === null || typeof definition !== 'object') return undefined;
  const name = (definition as Record<string, unknown>).name;
  return typeof name === 'string' ? name : undefined;
}

/** Levenshtein distance, stopping early once it exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      row.push(v);
      if (v < best) best = v;
    }
    if (best > limit) return best;
    prev = row;
  }
  return prev[b.length] as number;
}
