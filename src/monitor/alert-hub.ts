// Where every alert goes, whoever raised it (the anomaly detector, the audit log about itself): Rampart's log,
// the tamper-evident audit log as an `alert_raised` event, and the webhook when one is configured. An alert about
// the audit log itself cannot be recorded in it while it is failing; it still reaches the log and the webhook.
import type { AuditAlert, AuditLog } from '../audit/audit-log.ts';
import { eventId } from '../audit/event-id.ts';
import type { AlertSeverity, RuleId } from './anomaly/alert.ts';
import { type Alert, alertAuditInput, RULE_IDS, type WebhookNotifier } from './anomaly/index.ts';
import type { Logger } from './logger.ts';

const AUDIT_RULE: Record<AuditAlert['code'], Alert['rule']> = {
  RAMPART_AUDIT_UNAVAILABLE: RULE_IDS.auditUnavailable,
  RAMPART_AUDIT_DEGRADED: RULE_IDS.auditDegraded,
  RAMPART_AUDIT_RECOVERED: RULE_IDS.auditRecovered,
};

export class AlertHub {
  private readonly log: Logger;
  private readonly audit: () => AuditLog | undefined;
  private readonly webhook: WebhookNotifier | undefined;
  private readonly now: () => number;

  constructor(options: {
    log: Logger;
    audit: () => AuditLog | undefined;
    webhook?: WebhookNotifier | undefined;
    now?: () => number;
  }) {
    this.log = options.log;
    this.audit = options.audit;
    this.webhook = options.webhook;
    this.now = options.now ?? Date.now;
  }

  raise(alert: Alert): void {
    const fields = { alertId: alert.id, rule: alert.rule, severity: alert.severity, server: alert.server };
    if (alert.severity === 'critical' || alert.severity === 'high') this.log.warn(alert.message, fields);
    else this.log.info(alert.message, fields);
    this.webhook?.notify(alert);
    const audit = this.audit();
    if (!audit || alert.rule === RULE_IDS.auditUnavailable) return;
    audit.append(alertAuditInput(alert)).catch((err: unknown) => {
      this.log.error('could not record an alert in the audit log', { alertId: alert.id, error: String(err) });
    });
  }

  /** The audit log's own alerts (store failing, degraded to the spool, recovered) as alerts. */
  fromAudit(alert: AuditAlert): void {
    this.raiseOwn(
      AUDIT_RULE[alert.code],
      alert.severity === 'critical' ? 'critical' : 'low',
      alert.message,
      { code: alert.code, ...(alert.error ? { error: alert.error.slice(0, 200) } : {}) },
      alert.code,
    );
  }

  /** Rampart's own operational alerts (a rejected policy set, a held call), with names and counts only. */
  raiseSystem(
    rule: RuleId,
    severity: AlertSeverity,
    message: string,
    evidence: Record<string, string | number>,
  ): void {
    this.raiseOwn(rule, severity, message, evidence, `${rule}:${JSON.stringify(evidence)}`);
  }

  /** An alert about Rampart itself: attributed to no principal, session or target. */
  private raiseOwn(
    rule: RuleId,
    severity: AlertSeverity,
    message: string,
    evidence: Record<string, string | number>,
    dedupKey: string,
  ): void {
    const nowMs = this.now();
    this.raise({
      id: eventId(nowMs),
      rule,
      severity,
      time: new Date(nowMs).toISOString(),
      principal: undefined,
      principalRef: undefined,
      agent: undefined,
      sessionId: undefined,
      server: undefined,
      name: undefined,
      message,
      evidence,
      dedupKey,
      suppressed: 0,
    });
  }

  close(): Promise<void> {
    return this.webhook?.close() ?? Promise.resolve();
  }
}
