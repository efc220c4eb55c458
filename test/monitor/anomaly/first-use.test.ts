// anomaly.first_use: after the learning period, the first use of a server (medium) or of a tool on a known
// server (low) alerts; denied attempts, known tools and a new principal's learning period do not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALICE, at, call, ISSUER, type Persona, START, toolOf, trained } from './workload.ts';

describe('anomaly.first_use', () => {
  it('fires on the first use of a server', () => {
    const h = trained();
    const later = h.since();
    h.feed([call(ALICE, at(10, 10), { server: 'payments', name: 'payments__refund' })]);
    h.feed([call(ALICE, at(10, 10, 1), { server: 'payments', name: 'payments__refund' })]);
    const alerts = later();
    assert.deepEqual(
      alerts.map((a) => a.rule),
      ['anomaly.first_use'],
    );
    const [alert] = alerts;
    assert.equal(alert!.severity, 'medium');
    assert.deepEqual(alert!.evidence, {
      kind: 'server',
      server: 'payments',
      method: 'tools/call',
      name: 'payments__refund',
    });
    assert.equal(alert!.server, 'payments');
    assert.equal(alert!.name, 'payments__refund');
    assert.match(alert!.message, /^first use of server payments \(tools\/call payments__refund\)$/);
    assert.ok(alert!.dedupKey.endsWith('|payments'));
  });

  it('fires on the first use of a tool of a known server, and folds new tools of that server', () => {
    const h = trained();
    const later = h.since();
    h.feed([call(ALICE, at(10, 10), { server: 'fs', name: 'fs__delete_file' })]);
    const [first] = later();
    assert.equal(first!.rule, 'anomaly.first_use');
    assert.equal(first!.severity, 'low');
    assert.deepEqual(first!.evidence, {
      kind: 'tool',
      server: 'fs',
      method: 'tools/call',
      name: 'fs__delete_file',
    });
    // Within the dedup window a second new tool on fs is the same alert...
    h.feed([call(ALICE, at(10, 10, 30), { server: 'fs', name: 'fs__move_file' })]);
    assert.equal(later().length, 1);
    // ...and the next one after the window says how many were folded.
    h.feed([call(ALICE, at(10, 11, 5), { server: 'fs', name: 'fs__chmod' })]);
    const alerts = later();
    assert.equal(alerts.length, 2);
    assert.equal(alerts[1]!.suppressed, 1);
    assert.equal(alerts[1]!.name, 'fs__chmod');
  });

  it('stays quiet for known tools, denied attempts and resource URIs', () => {
    const h = trained();
    const later = h.since();
    h.feed([
      call(ALICE, at(10, 10), toolOf(ALICE, 'github__create_comment')),
      call(ALICE, at(10, 10, 1), { server: 'admin', name: 'admin__drop_db' }, { decision: 'denied' }),
      call(ALICE, at(10, 10, 2), { server: 'fs', name: 'fs://src/main.ts', method: 'resources/read' }),
    ]);
    assert.deepEqual(later(), []);
  });

  it('records silently during the learning period of a new principal+agent', () => {
    const h = trained();
    const later = h.since();
    const erin: Persona = {
      id: 'erin',
      principalRef: { issuer: ISSUER, subject: 'erin' },
      agent: 'claude-code',
      schedule: 'office',
      kinds: [],
    };
    h.feed([
      call(erin, at(10, 10), { server: 'payments', name: 'payments__refund' }),
      call(erin, at(12, 10), { server: 'crm', name: 'crm__export' }),
    ]);
    assert.deepEqual(later(), []);
    // A week after erin was first seen, a new server is news.
    h.feed([call(erin, at(10, 10) + 7 * 86_400_000 + 1, { server: 'billing', name: 'billing__charge' })]);
    assert.deepEqual(
      later().map((a) => `${a.rule} ${a.server}`),
      ['anomaly.first_use billing'],
    );
    assert.ok(at(10, 10) > START);
  });
});
