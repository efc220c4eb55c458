// Alerts are audit events: the runtime appends what this returns with AuditLog.append, so every alert is in the
// tamper-evident log (and `rampart alerts` reads them back from there), whether or not a webhook got it.
import type { AuditEventInput } from '../../audit/event.ts';
import type { Alert } from './alert.ts';

/** The `alert_raised` audit event of an alert. */
export function alertAuditInput(alert: Alert): AuditEventInput {
  return {
    decision: 'alert_raised',
    principal: principalOf(alert),
    sessionId: alert.sessionId,
    server: alert.server,
    name: alert.name,
    ruleIds: [alert.rule],
    detail: {
      alertId: alert.id,
      rule: alert.rule,
      severity: alert.severity,
      message: alert.message,
      evidence: alert.evidence,
      dedupKey: alert.dedupKey,
      suppressed: alert.suppressed,
      // The event's principal is null without authentication; the agent still names who did it.
      agent: alert.agent ?? null,
    },
  };
}

function principalOf(alert: Alert): AuditEventInput['principal'] {
  const ref = alert.principalRef;
  if (ref)
    return {
      issuer: ref.issuer,
      subject: ref.subject,
      clientId: ref.clientId,
      agent: ref.agent ?? alert.agent,
    };
  if (alert.principal === undefined) return undefined;
  // `issuer|subject`: issuers are URLs without `|`, subjects may contain one (`auth0|123`), so split at the first.
  const bar = alert.principal.indexOf('|');
  if (bar < 0) return { issuer: '', subject: alert.principal, agent: alert.agent };
  return {
    issuer: alert.principal.slice(0, bar),
    subject: alert.principal.slice(bar + 1),
    agent: alert.agent,
  };
}
