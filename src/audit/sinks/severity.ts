// How serious an audit event is, once, as a syslog severity (RFC 5424 §6.2.1: 0 emergency .. 7 debug); the CEF
// and OpenTelemetry scales are derived from it so the three sinks never disagree.
import type { AuditEvent } from '../event.ts';

export type SyslogSeverity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

// Decisions not named here (record-keeping ones such as erasures) are notices, like config and pin changes.
const BY_DECISION: Readonly<Partial<Record<AuditEvent['decision'], SyslogSeverity>>> = {
  allowed: 6,
  approved: 5,
  config_changed: 5,
  pin_changed: 5,
  denied: 4,
  errored: 3,
  alert_raised: 2,
};

// Alert severities as detectors and the audit log name them.
// A Map, not an object: the name comes from event data and must not find `constructor` and friends.
const BY_ALERT: ReadonlyMap<string, SyslogSeverity> = new Map([
  ['emergency', 0],
  ['alert', 1],
  ['critical', 2],
  ['high', 3],
  ['error', 3],
  ['medium', 4],
  ['warning', 4],
  ['warn', 4],
  ['low', 5],
  ['notice', 5],
  ['info', 6],
]);

/** The syslog severity of an event: by decision, and by the alert's own severity for alerts. */
export function syslogSeverity(event: AuditEvent): SyslogSeverity {
  if (event.decision === 'alert_raised') {
    const named = event.detail?.['severity'];
    if (typeof named === 'string') return BY_ALERT.get(named.toLowerCase()) ?? 2;
  }
  return BY_DECISION[event.decision] ?? 5;
}

/** CEF severity, 0 (lowest) .. 10. */
export function cefSeverity(severity: SyslogSeverity): number {
  return [10, 10, 9, 7, 6, 4, 2, 0][severity]!;
}

/** OpenTelemetry SeverityNumber (1..24) and a SeverityText. */
export function otelSeverity(severity: SyslogSeverity): { number: number; text: string } {
  const table: ReadonlyArray<readonly [number, string]> = [
    [21, 'EMERGENCY'],
    [20, 'ALERT'],
    [19, 'CRITICAL'],
    [17, 'ERROR'],
    [13, 'WARN'],
    [10, 'NOTICE'],
    [9, 'INFO'],
    [5, 'DEBUG'],
  ];
  const [number, text] = table[severity]!;
  return { number, text };
}
