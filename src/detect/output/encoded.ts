// Encoded payloads: base64, hex and percent-encoded runs that decode to readable text are decoded and handed
// back for rescanning, since an instruction the model can decode is still an instruction.

import type { Finding } from '../finding.ts';
import type { HiddenPart } from './hidden.ts';
import { hit, matches } from './hit.ts';

const BASE64 = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])/g;
const HEX = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){16,}(?![0-9A-Fa-f])|(?:\\x[0-9A-Fa-f]{2}){8,}/g;
const BINARY = /(?<![01])(?:[01]{8}[ ]?){6,}(?![01])/g;
// Starts only at a token boundary, so a long token without `%` is walked once, not once per position.
const PERCENT = /(?<![^\s"'<>()])[^\s"'<>()%]*(?:%[0-9A-Fa-f]{2}[^\s"'<>()%]*){5,}/g;
// A decoded payload is rescanned up to this size: an instruction does not need more, and rescanning is linear in it.
const MAX_DECODED = 16 * 1024;

/** True when decoded bytes read as text (mostly printable, several words), not random binary. */
function readable(s: string): boolean {
  if (s.length < 12) return false;
  let printable = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if ((c >= 0x20 && c < 0x7f) || c === 0x0a || c === 0x0d || c === 0x09 || c >= 0xa0) printable++;
  }
  return (
    printable / s.length > 0.95 &&
    // Two words: a letter, a separator, a letter (single characters keep this linear on long runs).
    /[A-Za-z\u00C0-\uFFFF][\s,.]+[A-Za-z\u00C0-\uFFFF]/.test(s) &&
    !s.includes('\uFFFD')
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Readable decodings of encoded runs, with a finding for each. */
export function scanEncoded(text: string): { findings: Finding[]; parts: HiddenPart[] } {
  const findings: Finding[] = [];
  const parts: HiddenPart[] = [];
  const take = (kind: string, start: number, end: number, full: string) => {
    const decoded = full.slice(0, MAX_DECODED);
    if (!readable(decoded)) return;
    const f = hit('output.encoded_payload', 'info', text, start, end);
    findings.push({ ...f, evidence: `${kind}: ${decoded.slice(0, 180).replace(/\s+/g, ' ')}` });
    parts.push({ text: decoded, start });
  };
  for (const m of matches(BASE64, text)) {
    // Identifiers and paths rarely mix all classes; base64 text almost always does.
    if (!/[a-z]/.test(m[0]) || !/[A-Z]/.test(m[0])) continue;
    take('base64', m.index, m.index + m[0].length, utf8.decode(Buffer.from(m[0], 'base64')));
  }
  for (const m of matches(HEX, text)) {
    const hex = m[0].replace(/\\x/g, '');
    take('hex', m.index, m.index + m[0].length, utf8.decode(Buffer.from(hex, 'hex')));
  }
  for (const m of matches(BINARY, text)) {
    const bytes = (m[0].match(/[01]{8}/g) ?? []).map((b) => Number.parseInt(b, 2));
    take('binary', m.index, m.index + m[0].length, utf8.decode(Uint8Array.from(bytes)));
  }
  for (const m of text.includes('%') ? matches(PERCENT, text) : []) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(m[0]);
    } catch {
      continue;
    }
    take('url', m.index, m.index + m[0].length, decoded);
  }
  return { findings, parts };
}
