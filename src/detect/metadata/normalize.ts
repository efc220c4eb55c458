// Text as the model reads it: invisible characters removed, tag characters decoded, compatibility forms folded and
// look-alike letters inside Latin words mapped back, so an obfuscated instruction meets the same rules as a plain one.

import { skeleton } from './confusables.ts';

// Zero-width, joiners, word joiner, invisible operators, BOM, soft hyphen, Mongolian vowel separator.
export const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/gu;
// Bidi embeddings, overrides and isolates reorder what a human sees versus what the model reads.
export const BIDI = /[\u202A-\u202E\u2066-\u2069]/gu;
// Unicode tag characters mirror ASCII invisibly (U+E0020..U+E007E map to 0x20..0x7E).
export const TAG = /[\u{E0000}-\u{E007F}]/gu;
const MIXED_WORD = /[\p{L}\p{M}]+/gu;
const LATIN = /[A-Za-z]/;
const LOOKALIKE_SCRIPT = /[\u0370-\u03FF\u0400-\u04FF\u0500-\u052F\u13A0-\u13FF\uFF00-\uFFEF]/;

/** The decoded text of any tag characters in `text` ('' when there are none). */
export function decodeTags(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xe0020 && cp <= 0xe007e) out += String.fromCharCode(cp - 0xe0000);
  }
  return out;
}

/** True when a word mixes Latin letters with Greek/Cyrillic/fullwidth ones, the shape of a homoglyph attack. */
export function isMixedScriptWord(word: string): boolean {
  return LATIN.test(word) && LOOKALIKE_SCRIPT.test(word);
}

/** `text` folded for rule matching: NFKC, invisibles dropped, mixed-script words mapped to their Latin skeleton. */
export function normalizeText(text: string): string {
  let t = text.normalize('NFKC');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are removed before matching
  if (t.includes('\u001b')) t = t.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, ' ');
  t = t.replace(INVISIBLE, '').replace(BIDI, '').replace(TAG, '');
  if (LOOKALIKE_SCRIPT.test(t)) {
    t = t.replace(MIXED_WORD, (w) => (isMixedScriptWord(w) ? skeleton(w) : w));
  }
  return t;
}
