// One place that turns a regex hit into a Finding, so every output detector cuts evidence the same way and
// records the span it came from (field `text`).
import type { Finding, Severity } from '../finding.ts';

const MAX_EVIDENCE = 200;

/** A finding for `text[start, end)`, evidence cut to 200 characters with line breaks flattened. */
export function hit(rule: string, severity: Severity, text: string, start: number, end: number): Finding {
  const raw = text.slice(start, Math.min(end, start + MAX_EVIDENCE)).replace(/\s+/g, ' ');
  return { rule, severity, evidence: raw, span: { field: 'text', start, end } };
}

/** Every match of a global regex as [start, end) pairs. */
export function* matches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}

const ORDER: readonly Severity[] = ['info', 'low', 'medium', 'high', 'critical'];

/** Severity lowered by `steps` (never below info): how framing as a quotation weakens a finding. */
export function lower(severity: Severity, steps: number): Severity {
  return ORDER[Math.max(0, ORDER.indexOf(severity) - steps)]!;
}

/** Severity raised by `steps` (never above critical). */
export function raise(severity: Severity, steps: number): Severity {
  return ORDER[Math.min(ORDER.length - 1, ORDER.indexOf(severity) + steps)]!;
}
