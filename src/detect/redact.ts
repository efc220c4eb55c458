// Redaction of secrets and personal data in a tool result: each span becomes a typed placeholder
// (`[REDACTED:email]`, `[REDACTED:github-pat]`) and everything else is kept, so the result stays usable. A JSON
// result is redacted value by value and re-serialised, so it stays valid JSON with the same shape.
import type { Finding } from './finding.ts';
import { findPii, maskPii } from './pii/scan.ts';
import { findSecrets, maskSecret } from './secrets/scan.ts';

/** What to redact: secrets (gitleaks rules), personal data, or both (the default). */
export type RedactKind = 'secrets' | 'pii';

const BOTH: readonly RedactKind[] = ['secrets', 'pii'];

export interface Redaction {
  readonly text: string;
  readonly findings: Finding[];
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly finding: Finding;
}

/** One string with its secret and PII spans replaced; `field` names it in the findings. */
export function redactString(text: string, field = 'text', kinds: readonly RedactKind[] = BOTH): Redaction {
  const spans: Span[] = [];
  const secrets = kinds.includes('secrets') ? findSecrets(text) : [];
  const pii = kinds.includes('pii') ? findPii(text) : [];
  for (const h of secrets) {
    spans.push({
      start: h.start,
      end: h.end,
      label: h.rule,
      finding: {
        rule: `secret.${h.rule}`,
        severity: 'high',
        evidence: maskSecret(h.secret),
        span: { field, start: h.start, end: h.end },
      },
    });
  }
  for (const h of pii) {
    // A secret wins over PII inside it (an e-mail inside a connection string is part of the secret).
    if (spans.some((s) => h.start < s.end && s.start < h.end)) continue;
    spans.push({
      start: h.start,
      end: h.end,
      label: h.kind,
      finding: {
        rule: `pii.${h.kind}`,
        severity: 'medium',
        evidence: maskPii(h.kind, h.value),
        span: { field, start: h.start, end: h.end },
      },
    });
  }
  if (spans.length === 0) return { text, findings: [] };
  spans.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += text.slice(at, s.start) + `[REDACTED:${s.label}]`;
    at = s.end;
  }
  out += text.slice(at);
  return { text: out, findings: spans.map((s) => s.finding) };
}

function walk(value: unknown, path: string, findings: Finding[], kinds: readonly RedactKind[]): unknown {
  if (typeof value === 'string') {
    const r = redactString(value, path, kinds);
    findings.push(...r.findings);
    return r.text;
  }
  if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, findings, kinds));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = walk(
        v,
        /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`,
        findings,
        kinds,
      );
    }
    return out;
  }
  return value;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** `text` with every secret and PII span (or only `kinds`) replaced by `[REDACTED:<type>]`, one finding per span. */
export function redact(text: string, kinds: readonly RedactKind[] = BOTH): Redaction {
  if (kinds.length === 0) return { text, findings: [] };
  const json = parseJson(text);
  if (!json.ok) return redactString(text, 'text', kinds);
  const findings: Finding[] = [];
  const value = walk(json.value, '$', findings, kinds);
  if (findings.length === 0) return { text, findings };
  // Keep the original layout's indentation so a pretty-printed result stays pretty-printed.
  const indent = /^[[{]\s*\n([ \t]+)/.exec(text.trimStart())?.[1] ?? '';
  return { text: JSON.stringify(value, null, indent === '' ? undefined : indent), findings };
}
