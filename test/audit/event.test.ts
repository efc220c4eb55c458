// One event per decision, attributed, with payloads as the data-minimisation mode says: full keeps them,
// redacted keeps what the injected redaction returns (both encrypted outside the event, which keeps a keyed
// commitment), digest keeps only the SHA-256 of their canonical form.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import { canonicalJson } from '../../src/audit/canonical.ts';
import {
  AUDIT_DECISIONS,
  type AuditPayload,
  type BuiltEvent,
  buildAuditEvent,
  fromRequestEvent,
} from '../../src/audit/event.ts';
import { PayloadKeyring } from '../../src/audit/privacy/keyring.ts';
import { masterKeyFrom } from '../../src/audit/privacy/master-key.ts';
import { matchesCommitment, openPayload, unwrapSubjectKey } from '../../src/audit/privacy/payload-crypto.ts';
import type { RequestEvent } from '../../src/guards/pipeline.ts';
import { sampleEvent } from './helpers.ts';

const now = () => Date.parse('2026-01-15T10:00:00.000Z');
const args = { path: '/etc/passwd', flags: { follow: true }, n: 1.5 };
const result = { content: [{ type: 'text', text: 'root:x:0:0' }] };
const master = masterKeyFrom(randomBytes(32));
const testKeyring = () => new PayloadKeyring(master);

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

  it('full mode keeps arguments and result encrypted beside the event, which keeps only a commitment', () => {
    const sealer = testKeyring();
    const built = buildAuditEvent(
      {
        decision: 'allowed',
        principal: { issuer: 'https://idp', subject: 'alice' },
        arguments: args,
        result,
      },
      { mode: 'full', sealer, now },
    );
    assert.equal(built.event.arguments?.mode, 'full');
    assert.deepEqual(Object.keys(built.event.arguments!), ['mode', 'sealed']);
    assert.ok(
      !built.json.includes('passwd') && !built.json.includes('root:x'),
      'no payload text in the record',
    );
    assert.deepEqual(opened(built, 'arguments'), args);
    assert.deepEqual(opened(built, 'result'), result);
    assert.equal(built.sealed.length, 2);
    assert.equal(built.sealed[0]!.key.keyId, sealedOf(built.event.arguments).key, 'one key per subject');
    assert.equal(built.sealed[1]!.key.keyId, sealedOf(built.event.result).key);
    assert.match(sealedOf(built.event.arguments).mac, /^[0-9a-f]{64}$/);
  });

  it('redacted mode keeps what the injected redaction returns, and is the identity without one', () => {
    const sealer = testKeyring();
    const seen: string[] = [];
    const redact = (value: unknown, field: 'arguments' | 'result') => {
      seen.push(field);
      return field === 'arguments' ? { ...(value as object), path: '[REDACTED]' } : value;
    };
    const built = buildAuditEvent(
      { decision: 'allowed', arguments: args, result },
      { mode: 'redacted', redact, sealer, now },
    );
    assert.deepEqual(seen, ['arguments', 'result']);
    assert.equal(built.event.arguments?.mode, 'redacted');
    assert.deepEqual(opened(built, 'arguments'), { ...args, path: '[REDACTED]' });
    const plain = buildAuditEvent(
      { decision: 'allowed', arguments: args },
      { mode: 'redacted', sealer, now },
    );
    assert.deepEqual(opened(plain, 'arguments'), args);
  });

  it('full and redacted modes refuse to build without a sealer (the payload would have nowhere to go)', () => {
    assert.throws(
      () => buildAuditEvent({ decision: 'allowed', arguments: args }, { mode: 'full', now }),
      TypeError,
    );
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

function sealedOf(payload: AuditPayload | null): { key: string; mac: string } {
  assert.ok(payload && 'sealed' in payload);
  return payload.sealed;
}

/** Decrypts a built event's payload with the throwaway keyring's key, through the stored form. */
function opened(built: BuiltEvent, field: 'arguments' | 'result'): unknown {
  const s = built.sealed.find((x) => x.payload.field === field);
  assert.ok(s);
  assert.equal(s.payload.eventId, built.event.id);
  // The ciphertext must not be the plaintext.
  assert.ok(!Buffer.from(s.payload.ciphertext).toString('utf8').includes('passwd'));
  const key = unwrapSubjectKey(master, s.key);
  const plain = openPayload(key, built.event.id, field, s.payload.nonce, s.payload.ciphertext);
  const commitment = sealedOf(built.event[field]);
  assert.equal(commitment.key, s.key.keyId);
  assert.ok(matchesCommitment(key, plain, commitment.mac), 'the plaintext matches the commitment');
  assert.equal(plain.toString('utf8'), canonicalJson(JSON.parse(plain.toString('utf8'))), 'canonical form');
  return JSON.parse(plain.toString('utf8'));
}
