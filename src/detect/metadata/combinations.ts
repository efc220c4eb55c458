// Weak signals that mean more together than apart: a described data flow (sent, synced, cached remotely) is common
// product language, and so is naming a token or a card number; both in one definition describe a leak.

import type { Finding } from '../finding.ts';

const FLOW = new Set(['meta.undisclosed_data_flow', 'meta.outbound_transfer']);
const SENSITIVE = new Set(['meta.credential_mention', 'meta.sensitive_data', 'meta.sensitive_path']);

/** Adds a combined finding when a data flow and sensitive data are described in the same definition. */
export function combineSignals(out: Finding[]): void {
  const flow = out.find((f) => FLOW.has(f.rule));
  const sensitive = out.find((f) => SENSITIVE.has(f.rule));
  if (!flow || !sensitive) return;
  out.push({
    rule: 'meta.sensitive_data_flow',
    severity: 'high',
    evidence: `${sensitive.evidence} … ${flow.evidence}`.slice(0, 200),
    span: flow.span,
  });
}
