// One event per decision, attributed, with payloads as the data-minimisation mode says: full keeps them,
// redacted keeps what the injected redaction returns, digest keeps only the SHA-256 of their canonical form.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { AUDIT_DECISIONS, buildAuditEvent, fromRequestEvent } from '../../src/audit/event.ts';
import type { RequestEvent } from '../../src/guards/pipeline.ts';
import { sampleEvent } from './helpers.ts';

const now = () => Date.parse('2026-01-15T10:00:00.000Z');
const args = { path: '/etc/passwd', flags: { follow: true }, n: 1.5 };
const result = { content: [{ type: 'text', text: 'root:x:0:0' }] };

describe('audit events', () => {
  it('carry time, principal, session, ids, decision, rules, findings and timings', () => {
    const { event } = buildAuditEvent(
      sampleEvent(4, { findings: [{ ruleId: 'secret:aws-key', severity: 'critical' }] }),
      { mode: 'digest', now },
    );
    assert.equal(event.v, 1);
    assert.equal(event.time, '2026-01-15T10:00:00.000Z');
    assert.match(event.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(
      event.id.slice(0, 13).replace('-', ''),
      now().toString(16).padStart(12, '0'),
      'UUIDv7 carries the time',
    );
    assert.deepEqual(event.principal, {
      issuer: 'https://idp.example',
      subject: 'user-1',
      client: 'client-a',
      agent: 'agent-a',
    });
    assert.equal(event.decision, 'denied');
    assert.equal(event.code, 'RAMPART_POLICY_DENIED');
    assert.deepEqual(event.ruleIds, ['policy:no-secrets']);
    assert.deepEqual(event.findings, [{ ruleId: 'secret:aws-key', severity: 'critical' }]);
    assert.equal(event.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.deepEqual(event.timings, { request: 0.01, upstream: 0.5, totalMs: 0.6 });
  });

  it('exist for every kind of decision', () => {
    for (const decision of AUDIT_DECISIONS) {
      const { event } = buildAuditEvent({ decision, detail: { what: decision } }, { mode: 'digest', now });
      assert.equal(event.decision, decision);
      assert.equal(event.principal, null);
      assert.deepEqual(event.detail, { what: decision });
    }
  });

  it('full mode keeps arguments and result as they are', () => {
    const { event } = buildAuditEvent(
      { decision: 'allowed', arguments: args, result },
      { mode: 'full', now },
    );
    assert.deepEqual(event.arguments, { mode: 'full', value: args });
    assert.deepEqual(event.result, { mode: 'full', value: result });
  });

  it('redacted mode keeps what the injected redaction returns, and is the identity without one', () => {
    const seen: string[] = [];
    const redact = (value: unknown, field: 'arguments' | 'result') => {
      seen.push(field);
      return field === 'arguments' ? { ...(value as object), path: '[REDACTED]' } : value;
    };
    const { event } = buildAuditEvent(
      { decision: 'allowed', arguments: args, result },
      { mode: 'redacted', redact, now },
    );
    assert.deepEqual(seen, ['arguments', 'result']);
    assert.deepEqual(event.arguments, { mode: 'redacted', value: { ...args, path: '[REDACTED]' } });
    const plain = buildAuditEvent({ decision: 'allowed', arguments: args }, { mode: 'redacted', now });
    assert.deepEqual(plain.event.arguments, { mode: 'redacted', value: args });
  });

  it('digest mode keeps only the SHA-256 of the RFC 8785 form, which anyone with the payload can recompute', () => {
    const { event, json } = buildAuditEvent(
      { decision: 'allowed', arguments: args, result },
      { mode: 'digest', now },
    );
    const reordered = { n: 1.5, flags: { follow: true }, path: '/etc/passwd' };
    const expected = createHash('sha256').update(canonicalize(reordered)!).digest('hex');
    assert.deepEqual(event.arguments, { mode: 'digest', sha256: expected });
    assert.ok(!json.includes('passwd') && !json.includes('root:x'), 'no payload text in the record');
    assert.equal(event.result?.mode, 'digest');
  });

  it('keep a record of payloads with lone surrogates instead of failing, marked lossy', () => {
    const { event } = buildAuditEvent(
      { decision: 'allowed', arguments: { s: '\ud800' } },
      { mode: 'digest', now },
    );
    assert.equal(event.arguments?.lossy, true);
    const named = buildAuditEvent({ decision: 'allowed', name: 'bad\udc00name' }, { mode: 'digest', now });
    assert.ok(named.json.includes('bad\ufffdname'));
  });

  it('map the pipeline request event, adding what the pipeline does not know', () => {
    const request: RequestEvent = {
      time: '2026-01-15T10:00:00.000Z',
      requestId: '7',
      sessionId: 's1',
      principal: {
        issuer: 'https://idp',
        subject: 'bob',
        clientId: 'c',
        agent: 'a',
        tenant: 't',
        binding: 'dpop',
      },
      era: 'legacy',
      server: 'fs',
      method: 'tools/call',
      name: 'fs__read',
      decision: 'denied',
      code: 'RAMPART_INSUFFICIENT_SCOPE',
      ruleIds: ['scope:mcp'],
      timings: { authenticate: 0.123456789, totalMs: 1.0000004 },
    };
    const input = fromRequestEvent(request, { traceId: 'abc', arguments: args });
    const { event } = buildAuditEvent(input, { mode: 'digest', now });
    assert.deepEqual(event.principal, { issuer: 'https://idp', subject: 'bob', client: 'c', agent: 'a' });
    assert.equal(event.session, 's1');
    assert.equal(event.requestId, '7');
    assert.equal(event.traceId, 'abc');
    assert.equal(event.code, 'RAMPART_INSUFFICIENT_SCOPE');
    assert.deepEqual(
      event.timings,
      { authenticate: 0.123, totalMs: 1 },
      'timings rounded to the microsecond',
    );
    assert.equal(event.arguments?.mode, 'digest');
    assert.equal(event.result, null);
  });
});
