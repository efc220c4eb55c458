// Secrets in text by the gitleaks rule table: a keyword prefilter (one lower-casing of the text, then a substring
// test per rule) keeps the 200-odd regexes off text that cannot match; entropy and allowlists as gitleaks has them.
import type { Finding } from '../finding.ts';
import { shannonEntropy } from './entropy.ts';
import { GITLEAKS_RULES, GLOBAL_ALLOW } from './gitleaks-rules.ts';
import type { SecretAllow, SecretRule } from './rule.ts';

export interface SecretHit {
  readonly rule: string;
  /** Span of the secret itself (the group the rule names), which redaction replaces. */
  readonly start: number;
  readonly end: number;
  readonly secret: string;
}

/** A secret shown safely: a short prefix, then its length. */
export function maskSecret(secret: string): string {
  const keep = secret.length >= 16 ? 4 : secret.length >= 8 ? 2 : 0;
  return `${secret.slice(0, keep)}…(${secret.length} chars)`;
}

function allowed(allow: SecretAllow, secret: string, match: string, line: string): boolean {
  const target = allow.target === 'match' ? match : allow.target === 'line' ? line : secret;
  for (const re of allow.regexes) if (re.test(target)) return true;
  if (allow.stopwords.length > 0) {
    const lower = secret.toLowerCase();
    for (const w of allow.stopwords) if (lower.includes(w)) return true;
  }
  return false;
}

function lineOf(text: string, at: number): string {
  const a = text.lastIndexOf('\n', at) + 1;
  const b = text.indexOf('\n', at);
  return text.slice(a, b < 0 ? text.length : b);
}

function secretOf(rule: SecretRule, m: RegExpExecArray): { secret: string; offset: number } {
  let idx = rule.secretGroup;
  if (idx === undefined) {
    idx = 0;
    for (let i = 1; i < m.length; i++) {
      if (m[i] !== undefined && m[i] !== '') {
        idx = i;
        break;
      }
    }
  }
  const secret = m[idx] ?? m[0];
  // The group's offset inside the match: the last occurrence keeps it right for rules whose prefix repeats it.
  const offset = idx === 0 ? 0 : Math.max(0, m[0].lastIndexOf(secret));
  return { secret, offset };
}

/** Every secret the rule table finds in `text`, overlaps resolved in favour of the earlier, longer hit. */
export function findSecrets(text: string, rules: readonly SecretRule[] = GITLEAKS_RULES): SecretHit[] {
  const lower = text.toLowerCase();
  const hits: SecretHit[] = [];
  for (const rule of rules) {
    if (rule.keywords.length > 0 && !rule.keywords.some((k) => lower.includes(k))) continue;
    rule.re.lastIndex = 0;
    for (let m = rule.re.exec(text); m !== null; m = rule.re.exec(text)) {
      if (m[0].length === 0) {
        rule.re.lastIndex++;
        continue;
      }
      const { secret, offset } = secretOf(rule, m);
      if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) continue;
      const line = lineOf(text, m.index);
      if (allowed(GLOBAL_ALLOW, secret, m[0], line)) continue;
      if (rule.allow?.some((a) => allowed(a, secret, m[0], line))) continue;
      const start = m.index + offset;
      hits.push({ rule: rule.id, start, end: start + secret.length, secret });
    }
  }
  // Earlier first, then longer, then a provider-specific rule before the generic one.
  hits.sort(
    (a, b) =>
      a.start - b.start ||
      b.end - a.end ||
      Number(a.rule.startsWith('generic')) - Number(b.rule.startsWith('generic')),
  );
  const out: SecretHit[] = [];
  for (const h of hits) {
    const last = out.at(-1);
    if (last !== undefined && h.start < last.end) continue;
    out.push(h);
  }
  return out;
}

/** Secret findings for `text`; evidence is masked, never the secret. */
export function scanSecrets(text: string, field = 'text'): Finding[] {
  return findSecrets(text).map((h) => ({
    rule: `secret.${h.rule}`,
    severity: 'high',
    evidence: maskSecret(h.secret),
    span: { field, start: h.start, end: h.end },
  }));
}
