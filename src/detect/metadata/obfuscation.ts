// Text meant for the model but not for the human reviewer: invisible, bidi-control and tag characters, ANSI escape
// sequences, mixed-script words and HTML comments. Legitimate descriptions have no reason to hide anything.

import type { Finding } from '../finding.ts';
import { BIDI, decodeTags, INVISIBLE, isMixedScriptWord, TAG } from './normalize.ts';
import { evidenceOf, maskSecrets, type Rule } from './rule.ts';

export const OBFUSCATION_RULES: readonly Rule[] = [
  { id: 'meta.bidi_control', severity: 'high', re: BIDI },
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what this rule looks for
  { id: 'meta.ansi_escape', severity: 'high', re: /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\u0007]*\u0007)/u },
  { id: 'meta.html_comment', severity: 'medium', re: /<!--[\s\S]*?-->/u },
];

const INVISIBLE_RUN = 1;

/** Findings for invisible/tag characters and mixed-script words in `text`; returns decoded tag text to rescan. */
export function hiddenCharacters(field: string, text: string, out: Finding[]): string {
  INVISIBLE.lastIndex = 0;
  let count = 0;
  let first = -1;
  for (let m = INVISIBLE.exec(text); m; m = INVISIBLE.exec(text)) {
    // A BOM at the very start is an encoding artefact, not a hiding place.
    if (m.index === 0 && m[0] === '\ufeff') continue;
    if (first < 0) first = m.index;
    count++;
  }
  INVISIBLE.lastIndex = 0;
  if (count >= INVISIBLE_RUN) {
    out.push({
      rule: 'meta.invisible_chars',
      severity: count >= 3 ? 'high' : 'medium',
      evidence: `${count} invisible characters: ${evidenceOf(text, first, first + 1)}`.slice(0, 200),
      span: { field, start: first, end: first + 1 },
    });
  }
  let decoded = '';
  TAG.lastIndex = 0;
  const tag = TAG.exec(text);
  TAG.lastIndex = 0;
  if (tag) {
    decoded = decodeTags(text);
    out.push({
      rule: 'meta.tag_chars',
      severity: 'critical',
      evidence: `hidden tag text: ${maskSecrets(decoded)}`.slice(0, 200),
      span: { field, start: tag.index, end: tag.index + 2 },
    });
  }
  if (/[\u0370-\u052F]/u.test(text)) {
    for (const m of text.matchAll(/[\p{L}\p{M}]+/gu)) {
      if (isMixedScriptWord(m[0])) {
        out.push({
          rule: 'meta.mixed_script',
          severity: 'medium',
          evidence: m[0].slice(0, 200),
          span: { field, start: m.index, end: m.index + m[0].length },
        });
        break;
      }
    }
  }
  return decoded;
}
