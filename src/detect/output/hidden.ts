// Text a human reviewer does not see but the model reads: HTML comments, zero-width and Unicode tag characters,
// and CSS-hidden elements. What is hidden is returned too, so the caller rescans it for instructions.
import type { Finding } from '../finding.ts';
import { hit, matches } from './hit.ts';

export interface HiddenPart {
  readonly text: string;
  readonly start: number;
  /** An HTML comment: developers' notes live there too, so only explicit cues count, not question shape. */
  readonly comment?: boolean;
}

const CSS_HIDDEN =
  /<(\w+)\b[^>]{0,300}?style\s*=\s*["'][^"']{0,300}?(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem|%)?\s*(?:;|["'])|opacity\s*:\s*0(?:\.0+)?\s*(?:;|["'])|color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b[^"']{0,100}background(?:-color)?\s*:\s*(?:#fff(?:fff)?|white)|(?:height|width)\s*:\s*0(?:px)?\s*;[^"']*overflow\s*:\s*hidden|(?:left|top)\s*:\s*-\d{4,}px)[^>]*>([\s\S]{0,2000}?)<\/\1>/gi;
// Zero-width and invisible format characters (not the ZWJ inside emoji sequences, which are ordinary). U+034F,
// a combining character, is left out: biome rejects it in a class and it carries nothing alone.
const ZERO_WIDTH =
  /[\u200B\u200C\u200E\u200F\u2060-\u2064\u206A-\u206F\uFEFF\u180E\u00AD\u115F\u1160\u3164\uFFA0]/g;
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
const TAG_CHARS = /(?:\uDB40[\uDC00-\uDC7F])+/g;

/** Hidden-text findings and the hidden strings themselves (for rescanning). */
export function scanHidden(text: string): { findings: Finding[]; parts: HiddenPart[] } {
  const findings: Finding[] = [];
  const parts: HiddenPart[] = [];
  // HTML comments by index (linear even for many unclosed `<!--`), each body capped at 4000 characters.
  for (let open = text.indexOf('<!--'); open >= 0; ) {
    const close = text.indexOf('-->', open + 4);
    if (close < 0) break;
    const body = text.slice(open + 4, Math.min(close, open + 4 + 4000));
    // An empty or purely technical comment (build markers, anchors) is common; wording is what matters.
    if (/[A-Za-z\u00C0-\uFFFF]{3}[A-Za-z\u00C0-\uFFFF]*\s+[A-Za-z\u00C0-\uFFFF]{2}/.test(body)) {
      findings.push(hit('output.hidden_comment', 'info', text, open, close + 3));
      parts.push({ text: body, start: open + 4, comment: true });
    }
    open = text.indexOf('<!--', close + 3);
  }
  for (const m of matches(CSS_HIDDEN, text)) {
    findings.push(hit('output.css_hidden_text', 'medium', text, m.index, m.index + m[0].length));
    parts.push({ text: m[2]!, start: m.index });
  }
  let zw = 0;
  let firstZw = -1;
  for (const m of matches(ZERO_WIDTH, text)) {
    if (firstZw < 0) firstZw = m.index;
    zw++;
  }
  // A stray BOM or soft hyphen happens; runs of invisible characters carry data (binary smuggling).
  if (zw >= 4)
    findings.push(hit('output.zero_width', zw >= 16 ? 'high' : 'medium', text, firstZw, firstZw + 1));
  for (const m of matches(BIDI, text)) {
    findings.push(hit('output.bidi_control', 'low', text, m.index, m.index + 1));
    break;
  }
  for (const m of matches(TAG_CHARS, text)) {
    // Unicode tag characters mirror ASCII 0x20-0x7E and are invisible: decode them to read what they say.
    let decoded = '';
    for (const ch of m[0]) decoded += String.fromCharCode(ch.codePointAt(0)! - 0xe0000);
    findings.push({
      rule: 'output.tag_characters',
      severity: 'high',
      evidence: decoded.slice(0, 200),
      span: { field: 'text', start: m.index, end: m.index + m[0].length },
    });
    parts.push({ text: decoded, start: m.index });
  }
  return { findings, parts };
}

/** The text with invisible characters removed, so cue patterns see words split by zero-width characters. */
export function stripInvisible(text: string): string {
  return text.replace(ZERO_WIDTH, '').replace(TAG_CHARS, '');
}
