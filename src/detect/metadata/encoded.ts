// Encoded payloads: base64, hex and percent-encoded runs are decoded and, when the result is readable text, handed
// back for a rescan, so an instruction does not escape the rules by being wrapped.

// Standard alphabet only: with `_` and `-` every long snake_case identifier would be a candidate.
const BASE64 = /[A-Za-z0-9+/]{24,}={0,2}/g;
const HEX = /\b(?:[0-9a-fA-F]{2}){16,}\b/g;
const PERCENT = /\S*(?:%[0-9A-Fa-f]{2}\S*){3,}/g;
const MAX_DECODES = 8;

export interface Decoded {
  readonly encoding: 'base64' | 'hex' | 'url';
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

// Mostly printable with some letters and spaces: decoded words, not random bytes (keys, hashes, ids).
function readable(s: string): boolean {
  if (s.length < 8) return false;
  let printable = 0;
  let spaces = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0xfffd) return false;
    if ((c >= 0x20 && c < 0x7f) || c === 10 || c === 13 || c === 9 || c > 0xa0) printable++;
    if (c === 0x20) spaces++;
  }
  return printable / s.length > 0.95 && spaces >= 2;
}

/** Readable texts decoded from base64, hex and percent-encoded runs in `text`. */
export function decodePayloads(text: string): Decoded[] {
  const out: Decoded[] = [];
  for (const m of text.matchAll(BASE64)) {
    if (out.length >= MAX_DECODES) break;
    const s = Buffer.from(m[0], 'base64').toString('utf8');
    if (readable(s)) out.push({ encoding: 'base64', start: m.index, end: m.index + m[0].length, text: s });
  }
  for (const m of text.matchAll(HEX)) {
    if (out.length >= MAX_DECODES) break;
    const s = Buffer.from(m[0], 'hex').toString('utf8');
    if (readable(s)) out.push({ encoding: 'hex', start: m.index, end: m.index + m[0].length, text: s });
  }
  for (const m of text.matchAll(PERCENT)) {
    if (out.length >= MAX_DECODES) break;
    let s: string;
    try {
      s = decodeURIComponent(m[0].replace(/\+/g, ' '));
    } catch {
      continue;
    }
    if (readable(s)) out.push({ encoding: 'url', start: m.index, end: m.index + m[0].length, text: s });
  }
  return out;
}
