// What every detector returns: pure data with a stable rule id, a severity and the evidence that made it fire, so a
// gateway decision, an audit event and a scan report can all say why. Detectors do no I/O and read no clock.

export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';

export const SEVERITY_WEIGHT: Readonly<Record<Severity, number>> = {
  info: 0,
  low: 0.15,
  medium: 0.4,
  high: 0.7,
  critical: 0.95,
};

/** Where in the input the evidence sits: a field path (`description`, `inputSchema.properties.x.enum[2]`, `text`). */
export interface Span {
  readonly field: string;
  readonly start: number;
  readonly end: number;
}

export interface Finding {
  /** Stable id, `family.rule` (e.g. `meta.hidden_instruction`, `output.fake_role_marker`, `secret.aws_access_key`). */
  readonly rule: string;
  readonly severity: Severity;
  /** The text that fired, cut to at most 200 characters; never a whole secret (secrets are masked). */
  readonly evidence: string;
  readonly span?: Span | undefined;
}

/** One item's verdict as `rampart detect` prints it. */
export interface DetectOutput {
  readonly id: string;
  readonly flagged: boolean;
  readonly score: number;
  readonly findings: readonly {
    readonly rule: string;
    readonly severity: Severity;
    readonly evidence: string;
  }[];
}
