// The shape every metadata rule shares: a stable id, a severity and one pattern; a match becomes a Finding whose
// evidence is the matched text with a little context, so a reviewer sees why it fired.

import type { Finding, Severity } from '../finding.ts';

export interface Rule {
  readonly id: string;
  readonly severity: Severity;
  /** Must carry the `g` flag only if several hits per field matter; the first hit is enough otherwise. */
  readonly re: RegExp;
}

const CONTEXT = 40;
const MAX_EVIDENCE = 200;

// Long tokens mixing letters and digits may be keys or tokens quoted in a definition: evidence keeps a prefix only.
const SECRETISH = /[A-Za-z0-9_+/=-]{20,}/g;

/** `text` with secret-looking tokens cut to their first four characters. */
export function maskSecrets(text: string): string {
  return text.replace(SECRETISH, (t) =>
    /[0-9]/.test(t) && /[A-Za-z]/.test(t) ? `${t.slice(0, 4)}…[masked]` : t,
  );
}

/** `text` around [start, end), with invisible and control characters shown as escapes, cut to 200 characters. */
export function evidenceOf(text: string, start: number, end: number): string {
  const from = Math.max(0, start - CONTEXT);
  const to = Math.min(text.length, Math.max(end, start + 1) + CONTEXT);
  const cut = maskSecrets(text.slice(from, to).replace(/\s+/g, ' '));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: showing control characters is the point
  const shown = cut.replace(/[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return shown.length > MAX_EVIDENCE ? `${shown.slice(0, MAX_EVIDENCE - 1)}…` : shown;
}

/** Findings of every rule of `rules` that matches `text` (one per rule), labelled with `field`. */
export function runRules(rules: readonly Rule[], field: string, text: string, out: Finding[]): void {
  for (const rule of rules) {
    rule.re.lastIndex = 0;
    const m = rule.re.exec(text);
    if (!m) continue;
    out.push({
      rule: rule.id,
      severity: rule.severity,
      evidence: evidenceOf(text, m.index, m.index + m[0].length),
      span: { field, start: m.index, end: m.index + m[0].length },
    });
  }
}
