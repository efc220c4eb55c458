// A finding with the weight it adds to a change score; shared by the change-scoring rules.
import type { Finding, Severity } from '../finding.ts';

/** A weighted finding before it is combined into the score. */
export interface Weighted {
  readonly finding: Finding;
  readonly weight: number;
}

/**
 * A weighted finding with evidence cut to 200 characters; the span locates `locate` in the field's new text, or is
 * the empty span 0..0 when the finding is about the field as a whole (a new parameter, an annotation, the name).
 */
export function hit(
  rule: string,
  severity: Severity,
  weight: number,
  evidence: string,
  field: string,
  text?: string,
  locate?: string,
): Weighted {
  const at = text !== undefined && locate ? text.indexOf(locate) : -1;
  const span =
    at >= 0 ? { field, start: at, end: at + (locate as string).length } : { field, start: 0, end: 0 };
  return { finding: { rule, severity, evidence: evidence.slice(0, 200), span }, weight };
}
