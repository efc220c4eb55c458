// The critical alert of a canary sighting: who called, which server and tool, which canary (by name) and in which
// direction. A canary has no legitimate use, so every sighting is its own alert (nothing is deduplicated away).
import { eventId } from '../audit/event-id.ts';
import type { CanaryHit } from '../guards/vault-guard.ts';
import { type Alert, RULE_IDS } from '../monitor/anomaly/alert.ts';

/** The alert for one blocked call. */
export function canaryAlert(hit: CanaryHit, nowMs: number): Alert {
  const p = hit.call?.principal;
  const id = eventId(nowMs);
  const name = typeof hit.call?.params?.['name'] === 'string' ? hit.call.params['name'] : undefined;
  const where =
    hit.direction === 'request'
      ? 'a call; the call was blocked'
      : hit.direction === 'response'
        ? 'a result; the call was blocked'
        : `an upstream ${hit.carrier?.method ?? 'message'}; the message was withheld`;
  return {
    id,
    rule: RULE_IDS.vaultCanary,
    severity: 'critical',
    time: new Date(nowMs).toISOString(),
    principal: p ? `${p.issuer}|${p.subject}` : undefined,
    principalRef: p && { issuer: p.issuer, subject: p.subject, clientId: p.clientId, agent: p.agent },
    agent: p?.agent ?? p?.clientId,
    sessionId: hit.call?.sessionId,
    server: hit.carrier?.server ?? hit.call?.trace.server,
    name,
    message: `A canary token appeared in ${where}.`,
    evidence: {
      canaries: hit.canaries.join(','),
      direction: hit.direction,
      method: hit.carrier?.method ?? hit.call?.method ?? '',
      ...(hit.call ? { requestId: String(hit.call.id) } : {}),
      ...(hit.carrier && hit.call ? { callMethod: hit.call.method } : {}),
    },
    dedupKey: id,
    suppressed: 0,
  };
}
