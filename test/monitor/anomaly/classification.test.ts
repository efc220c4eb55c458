// The risky-sequence classification: which calls are private-data reads and which send data out, from the
// operator's matchers (globs on server and name, bare or namespaced) and the tools' annotations.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertsSchema } from '../../../src/config/alerts-schema.ts';
import { callClassifier } from '../../../src/monitor/anomaly/call-class.ts';
import { globMatch } from '../../../src/monitor/anomaly/glob.ts';
import type { CallObservation } from '../../../src/monitor/anomaly/observation.ts';

function obs(overrides: Partial<CallObservation>): CallObservation {
  return {
    timeMs: 0,
    principal: undefined,
    agent: undefined,
    sessionId: undefined,
    server: 'fs',
    method: 'tools/call',
    name: 'fs__read_file',
    decision: 'allowed',
    bytesIn: 0,
    bytesOut: 0,
    ...overrides,
  };
}

function classifier(riskySequence: Record<string, unknown>) {
  return callClassifier(alertsSchema.parse({ rules: { riskySequence } }).rules.riskySequence);
}

describe('globMatch', () => {
  it('matches * and ? over whole names, everything else literally', () => {
    assert.ok(globMatch('*', ''));
    assert.ok(globMatch('db', 'db'));
    assert.ok(!globMatch('db', 'db2'));
    assert.ok(globMatch('db*', 'db-prod'));
    assert.ok(globMatch('*send*', 'mail__send_email'));
    assert.ok(globMatch('get_?', 'get_x'));
    assert.ok(!globMatch('get_?', 'get_xy'));
    assert.ok(globMatch('a.b', 'a.b'));
    assert.ok(!globMatch('a.b', 'axb'));
    assert.ok(globMatch('fs://*', 'fs://a/b/c'));
  });

  it('stays linear on patterns that make a RegExp backtrack', () => {
    const started = performance.now();
    assert.ok(!globMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(5_000)));
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('callClassifier', () => {
  it('treats reads on private servers as private: resources, prompts and readOnlyHint tools', () => {
    const c = classifier({ privateServers: ['hr*'] });
    assert.ok(c.privateRead(obs({ server: 'hr-eu', annotations: { readOnlyHint: true } })));
    assert.ok(c.privateRead(obs({ server: 'hr', method: 'resources/read', name: 'hr://employees/7' })));
    assert.ok(c.privateRead(obs({ server: 'hr', method: 'prompts/get', name: 'hr__review' })));
    assert.ok(!c.privateRead(obs({ server: 'hr', name: 'hr__update' })), 'a tool without readOnlyHint');
    assert.ok(
      !c.privateRead(obs({ server: 'fs', annotations: { readOnlyHint: true } })),
      'not a private server',
    );
    assert.ok(
      !c.privateRead(obs({ server: 'hr', annotations: { readOnlyHint: true }, decision: 'denied' })),
      'a denied read returned nothing',
    );
    assert.ok(
      !c.privateRead(obs({ server: 'hr', annotations: { readOnlyHint: true }, decision: 'errored' })),
    );
  });

  it('matches privateRead and sendsOut matchers on the namespaced or the bare tool name', () => {
    const c = classifier({
      privateRead: [{ server: 'crm', tool: 'get_*' }, { tool: '*__export_*' }],
      sendsOut: [{ tool: 'send_*' }],
      openWorldSendsOut: false,
    });
    assert.ok(c.privateRead(obs({ server: 'crm', name: 'crm__get_customer' })));
    assert.ok(c.privateRead(obs({ server: 'crm', name: 'get_customer' })), 'unprefixed exposure');
    assert.ok(!c.privateRead(obs({ server: 'erp', name: 'erp__get_customer' })));
    assert.ok(c.privateRead(obs({ server: 'erp', name: 'erp__export_ledger' })));
    assert.ok(c.sendsOut(obs({ server: 'mail', name: 'mail__send_email' })));
    assert.ok(c.sendsOut(obs({ server: 'mail', name: 'mail__send_email', decision: 'errored' })));
    assert.ok(!c.sendsOut(obs({ server: 'mail', name: 'mail__send_email', decision: 'denied' })));
    assert.ok(!c.sendsOut(obs({ server: 'web', name: 'web__fetch', annotations: { openWorldHint: true } })));
  });

  it('treats openWorldHint tools as sending out unless turned off', () => {
    const c = classifier({});
    assert.ok(c.sendsOut(obs({ server: 'web', name: 'web__fetch', annotations: { openWorldHint: true } })));
    assert.ok(!c.sendsOut(obs({ server: 'web', name: 'web__fetch', annotations: { openWorldHint: false } })));
    assert.ok(!c.sendsOut(obs({ server: 'web', name: 'web__fetch' })));
  });
});
