// The risk summary the integrity quarantine attaches to a pending change (audit event, `rampart tools pending` and
// `tools diff`): the change score and its strongest findings, so an approver sees first what most needs a look.
import type { Severity } from '../finding.ts';
import { scoreChange } from './score.ts';

export interface ChangeRisk {
  readonly score: number;
  readonly rules: readonly {
    readonly rule: string;
    readonly severity: Severity;
    readonly evidence: string;
  }[];
}

/** Findings an explanation keeps, strongest first. */
const TOP = 3;
const MAX_EVIDENCE = 120;

/** The risk of a quarantined change; an addition scores its whole definition, a removal or identity change none. */
export function changeRisk(change: {
  readonly kind: string;
  readonly change: 'added' | 'changed' | 'removed';
  readonly oldDefinition: unknown;
  readonly newDefinition: unknown;
}): ChangeRisk | undefined {
  if (change.change === 'removed' || change.kind === 'identity') return undefined;
  const before = change.change === 'added' ? undefined : change.oldDefinition;
  const { score, findings } = scoreChange(before, change.newDefinition);
  return {
    score,
    rules: findings.slice(0, TOP).map((f) => ({
      rule: f.rule,
      severity: f.severity,
      evidence: f.evidence.length > MAX_EVIDENCE ? `${f.evidence.slice(0, MAX_EVIDENCE - 1)}…` : f.evidence,
    })),
  };
}
