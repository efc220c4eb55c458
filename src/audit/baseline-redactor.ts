// The redaction `audit.payloads: redacted` applies until the detectors' redaction (secrets, PII) plugs into the
// `Redactor` hook: a conservative pass that removes what is most plainly sensitive, so that `redacted` never
// quietly keeps a payload whole. Values under credential-like keys go entirely; in every string, bearer tokens and
// JWTs, e-mail addresses and long digit runs (payment cards, account and phone numbers) are masked. The rest of
// the payload keeps its shape, so the record stays readable.
import type { Redactor } from './event.ts';

const SECRET_KEY =
  /authorization|cookie|token|secret|passw(or)?d|api[-_]?key|private[-_]?key|credential|dpop/i;
// Every pattern can only start where its run of characters starts (lookbehind) and has bounded parts, so a long
// string without a match is scanned once, not once per position: this runs on the serving thread.
const PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{0,4096}/g,
    '[REDACTED:jwt]',
  ],
  [/\b(Bearer|DPoP|Basic)\s{1,8}[A-Za-z0-9._~+/=-]{8,4096}/gi, '$1 [REDACTED:token]'],
  [
    /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}/g,
    '[REDACTED:email]',
  ],
  [/(?<![\d])\d(?:[ -]?\d){8,40}/g, '[REDACTED:number]'],
];
/** A longer string is dropped whole: redaction must stay cheap, and a huge blob is rarely worth keeping. */
const MAX_STRING = 64 * 1024;
/** Nesting beyond this is replaced whole (payloads are depth-limited at the ingress already). */
const MAX_DEPTH = 64;

export const baselineRedactor: Redactor = (value) => redact(value, 0);

function redact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[REDACTED:depth]';
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) ? '[REDACTED]' : redact(item, depth + 1);
  }
  return out;
}

function redactString(text: string): string {
  if (text.length > MAX_STRING) return `[REDACTED:${text.length} characters]`;
  let out = text;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
