// An alert as the detector raises it, for the tests of what consumes alerts (audit input, webhook, CLI).
import type { Alert } from '../../../src/monitor/anomaly/alert.ts';

export function sampleAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: '019bc000-0000-7000-8000-000000000001',
    rule: 'anomaly.denial_burst',
    severity: 'high',
    time: '2026-01-15T10:00:00.000Z',
    principal: 'https://idp.example|auth0|123',
    principalRef: undefined,
    agent: 'claude-code',
    sessionId: 's-1',
    server: 'admin',
    name: 'admin__drop',
    message: '10 denied calls within 27s (limit 10 per 60s), the last on server admin',
    evidence: { count: 10, windowSeconds: 60 },
    dedupKey: 'anomaly.denial_burst|https://idp.example|auth0|123|claude-code|',
    suppressed: 2,
    ...overrides,
  };
}
