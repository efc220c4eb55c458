// Alerts are audit events: alertAuditInput builds the `alert_raised` input, and the real audit log stores it
// with the principal, the rule id and the alert in `detail`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLeaf } from '../../../src/audit/chain.ts';
import { openAuditStore } from '../../../src/audit/open.ts';
import { alertAuditInput } from '../../../src/monitor/anomaly/audit-input.ts';
import { openTestLog, tempDir } from '../../audit/helpers.ts';
import { sampleAlert } from './sample-alert.ts';

describe('alertAuditInput', () => {
  it('maps an alert to an alert_raised event input', () => {
    assert.deepEqual(alertAuditInput(sampleAlert()), {
      decision: 'alert_raised',
      principal: { issuer: 'https://idp.example', subject: 'auth0|123', agent: 'claude-code' },
      sessionId: 's-1',
      server: 'admin',
      name: 'admin__drop',
      ruleIds: ['anomaly.denial_burst'],
      detail: {
        alertId: '019bc000-0000-7000-8000-000000000001',
        rule: 'anomaly.denial_burst',
        severity: 'high',
        message: '10 denied calls within 27s (limit 10 per 60s), the last on server admin',
        evidence: { count: 10, windowSeconds: 60 },
        dedupKey: 'anomaly.denial_burst|https://idp.example|auth0|123|claude-code|',
        suppressed: 2,
        agent: 'claude-code',
      },
    });
  });

  it('prefers the structured principal and has none without authentication', () => {
    const ref = { issuer: 'https://a|b', subject: 'c', clientId: 'cli', agent: 'bot' };
    assert.deepEqual(alertAuditInput(sampleAlert({ principalRef: ref })).principal, ref);
    assert.equal(alertAuditInput(sampleAlert({ principal: undefined })).principal, undefined);
  });

  it('is stored by the audit log as an alert_raised event', async (t) => {
    const dir = tempDir(t);
    const log = await openTestLog(dir);
    const receipt = await log.append(alertAuditInput(sampleAlert()));
    await log.close();
    const store = openAuditStore(dir);
    const entries: string[] = [];
    await store.read(async (reader) => {
      for await (const entry of reader.entries()) entries.push(entry.leaf);
    });
    await store.close();
    const event = parseLeaf(entries[0]!)!.event;
    assert.equal(event['id'], receipt.id);
    assert.equal(event['decision'], 'alert_raised');
    assert.deepEqual(event['ruleIds'], ['anomaly.denial_burst']);
    assert.deepEqual(event['principal'], {
      issuer: 'https://idp.example',
      subject: 'auth0|123',
      client: null,
      agent: 'claude-code',
    });
    assert.equal((event['detail'] as Record<string, unknown>)['severity'], 'high');
  });
});
