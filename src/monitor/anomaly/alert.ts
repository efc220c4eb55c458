// The alert: what a rule raised, safe to show anywhere (a webhook, a terminal, the audit log). Messages and
// evidence carry names, counts, sizes and times, never arguments or results.
import type { AlertSeverity } from '../../config/alerts-schema.ts';
import type { PrincipalRef } from './observation.ts';

export type { AlertSeverity } from '../../config/alerts-schema.ts';

/** Stable rule ids: alerts, audit events and `rampart alerts --rule` use them. */
export const RULE_IDS = {
  rate: 'anomaly.rate',
  firstUse: 'anomaly.first_use',
  unusualHour: 'anomaly.unusual_hour',
  denialBurst: 'anomaly.denial_burst',
  errorBurst: 'anomaly.error_burst',
  dataOut: 'anomaly.data_out',
  riskySequence: 'anomaly.risky_sequence',
  /** The audit store refuses writes (closed mode: calls fail) or events are spooled (degraded mode). */
  auditUnavailable: 'audit.unavailable',
  auditDegraded: 'audit.degraded',
  auditRecovered: 'audit.recovered',
  /** A changed policy set (or the tools' argument types) was rejected: the previous set stays in force. */
  policyRejected: 'policy.rejected',
  /** A call is held until an approver decides (`rampart approvals`, the admin API). */
  approvalPending: 'approval.pending',
  /** A permission review (`rampart review`, `review.intervalHours`) found unused grants, stale approvals, ... */
  reviewFindings: 'review.findings',
  /** A tool, prompt, template, instructions or server identity changed and is held until approved. */
  integrityQuarantined: 'integrity.quarantined',
  /** A whole server is held back (a new identity, a signed manifest it no longer matches). */
  integrityBlocked: 'integrity.blocked',
  /** A vault canary token appeared in a call's arguments or result (src/vault): the call was blocked. */
  vaultCanary: 'vault.canary',
  /** A sandboxed server tried to connect somewhere its egress allowlist does not admit (src/sandbox). */
  sandboxEgressRefused: 'sandbox.egress_refused',
} as const;
export type RuleId = (typeof RULE_IDS)[keyof typeof RULE_IDS];

const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** True when `severity` is at least `minimum`. */
export function severityAtLeast(severity: AlertSeverity, minimum: AlertSeverity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[minimum];
}

export interface Alert {
  /** UUIDv7, unique per raised alert. */
  readonly id: string;
  readonly rule: RuleId;
  readonly severity: AlertSeverity;
  /** ISO 8601 time the alert was raised. */
  readonly time: string;
  /** `issuer|subject`, undefined without authentication. */
  readonly principal: string | undefined;
  readonly principalRef: PrincipalRef | undefined;
  readonly agent: string | undefined;
  readonly sessionId: string | undefined;
  readonly server: string | undefined;
  readonly name: string | undefined;
  /** One line for humans; names and numbers only. */
  readonly message: string;
  readonly evidence: Readonly<Record<string, number | string>>;
  /** rule + principal + agent + target: alerts with the same key are deduplicated. */
  readonly dedupKey: string;
  /** Raises of this dedupKey suppressed since the previous alert with it. */
  readonly suppressed: number;
}

/** What a rule returns: the detector adds identity, time and deduplication. */
export interface Finding {
  readonly rule: RuleId;
  readonly severity: AlertSeverity;
  readonly message: string;
  readonly evidence: Readonly<Record<string, number | string>>;
  /** What the alert is about within the principal+agent (a server, an hour, ...); part of the dedupKey. */
  readonly target: string;
}

const MAX_NAME = 120;

/** A name (server, tool) shortened for a message: upstreams choose tool names, and a message stays one line. */
export function shown(name: string | undefined): string {
  if (name === undefined) return '-';
  const flat = name.replace(/\p{Cc}/gu, '?');
  return flat.length <= MAX_NAME ? flat : `${flat.slice(0, MAX_NAME - 1)}…`;
}
