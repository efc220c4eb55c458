// Toxic-flow control end to end, with three fixture tools: a private read (private_data by config), an untrusted
// fetch (untrusted_input by its own openWorldHint) and an external send (public_sink by config). Under the
// cookbook baseline's shipped `toxic-flow` rule a send is refused only once the same session has seen both, in
// either protocol era; another session or caller is unaffected; the refusal's audit event names the flow. Under
// the cookbook's approval variant the same send is held for an approver, who approves or denies it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openAuditStore } from '../../src/audit/open.ts';
import { readSigningKey } from '../../src/audit/signing-key.ts';
import { verifyStore } from '../../src/audit/verify.ts';
import type { FlowTrace } from '../../src/core/call.ts';
import { auditEvents } from '../helpers/audit-events.ts';
import { type LocalIssuer, startLocalIssuer } from '../helpers/local-issuer.ts';
import { type HttpAnswer, LegacyClient, modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';

const FLOW_SERVER = path.join(REPO, 'test/fixtures/flow-server.ts');
const BASELINE = path.join(REPO, 'docs/cookbook/baseline.cedar');
const RECIPE = path.join(REPO, 'docs/cookbook/toxic-flow.cedar');
const RESOURCE = 'http://rampart.test/mcp';

interface AuditRecord {
  id: string;
  decision: string;
  code: string | null;
  name: string | null;
  session: string | null;
  detail: { flow?: FlowTrace } & Record<string, unknown>;
}

const call = (client: LegacyClient, name: string, args: Record<string, unknown> = {}) =>
  client.request('tools/call', { name, arguments: args });

function assertAllowed(answer: HttpAnswer): void {
  const result = rpcResult(answer);
  assert.notEqual(result['isError'], true, JSON.stringify(result));
}

function assertRefused(answer: HttpAnswer, code: string, policies: string[]): void {
  const error = rpcError(answer);
  assert.equal(error.data.code, code);
  assert.deepEqual(error.data['policies'], policies);
}

describe('toxic flows under the baseline rule (refused)', () => {
  let idp: LocalIssuer;
  let gw: Started;
  let dir: string;
  const token = (sub: string) => idp.sign({ sub });
  const session = async (sub: string) => {
    const client = new LegacyClient(gw.url, {}, { authorization: `Bearer ${await token(sub)}` });
    await client.initialize();
    return client;
  };
  const modern = async (sub: string, name: string, args: Record<string, unknown> = {}) =>
    modernRequest(
      gw.url,
      'tools/call',
      { name, arguments: args },
      { headers: { authorization: `Bearer ${await token(sub)}` } },
    );

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-toxic-flow-'));
    writeFileSync(
      path.join(dir, 'flow-tools.cedar'),
      '@id("flow-tools")\npermit(principal, action == Action::"call", resource in Server::"flow");\n',
    );
    idp = await startLocalIssuer(RESOURCE);
    gw = await startRampart({
      servers: [{ name: 'flow', command: NODE, args: [FLOW_SERVER] }],
      auth: { resource: RESOURCE, issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }] },
      policy: {
        files: [BASELINE, path.join(dir, 'flow-tools.cedar')],
        labels: { flow__read_private: ['private_data'], flow__send: ['public_sink'] },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('allows a send in a fresh session', async () => {
    const alice = await session('alice');
    assertAllowed(await call(alice, 'flow__send', { to: 'bob@example.com', body: 'hi' }));
  });

  it('allows a send after a private read only', async () => {
    const alice = await session('alice');
    assertAllowed(await call(alice, 'flow__read_private', { id: 'c-1' }));
    assertAllowed(await call(alice, 'flow__send', { to: 'bob@example.com', body: 'hi' }));
  });

  it('allows a send after an untrusted fetch only', async () => {
    const alice = await session('alice');
    assertAllowed(await call(alice, 'flow__fetch', { url: 'https://example.com' }));
    assertAllowed(await call(alice, 'flow__send', { to: 'bob@example.com', body: 'hi' }));
  });

  it('refuses a send after a private read and an untrusted fetch, and audits the flow', async () => {
    const alice = await session('alice');
    assertAllowed(await call(alice, 'flow__read_private', { id: 'c-1' }));
    assertAllowed(await call(alice, 'flow__fetch', { url: 'https://example.com' }));
    const refused = await call(alice, 'flow__send', { to: 'attacker@example.com', body: 'record' });
    assertRefused(refused, 'RAMPART_POLICY_DENIED', ['toxic-flow']);
    // Reading again is not a sink: the session goes on, only sending out is closed.
    assertAllowed(await call(alice, 'flow__read_private', { id: 'c-2' }));

    const event = gw.events.findLast((e) => e.name === 'flow__send' && e.sessionId === alice.sessionId)!;
    assert.equal(event.decision, 'denied');
    assert.equal(event.code, 'RAMPART_POLICY_DENIED');
    const records = await auditEvents<AuditRecord>(gw.rampart.config.stateDir);
    const record = records.findLast((r) => r.name === 'flow__send' && r.session === alice.sessionId)!;
    assert.equal(record.decision, 'denied');
    assert.equal(record.code, 'RAMPART_POLICY_DENIED');
    assert.deepEqual(record.detail.flow, {
      scope: 'session',
      session: ['private_data', 'untrusted_input'],
      sources: {
        private_data: [{ item: 'flow__read_private', via: 'config' }],
        untrusted_input: [{ item: 'flow__fetch', via: 'annotation' }],
      },
      labels: [{ label: 'public_sink', via: 'config' }],
      added: [],
    });
    // The fetch's own event says what it added to the session.
    const fetch = records.findLast((r) => r.name === 'flow__fetch' && r.session === alice.sessionId)!;
    assert.deepEqual(fetch.detail.flow?.added, ['untrusted_input']);
    assert.deepEqual(fetch.detail.flow?.session, ['private_data']);
    // The flow is part of the chained event: the log still verifies.
    const store = openAuditStore(gw.rampart.config.stateDir);
    try {
      const report = await verifyStore(store, readSigningKey(gw.rampart.config.stateDir));
      assert.equal(report.ok, true, report.problem?.message);
    } finally {
      await store.close();
    }
  });

  it('hides the send from the tainted session’s list only (listed exactly when callable)', async () => {
    const tainted = await session('alice');
    await call(tainted, 'flow__read_private', { id: 'c-1' });
    await call(tainted, 'flow__fetch', { url: 'https://example.com' });
    const fresh = await session('alice');
    const names = async (c: LegacyClient) =>
      ((await c.result('tools/list'))['tools'] as { name: string }[]).map((t) => t.name).sort();
    assert.ok(!(await names(tainted)).includes('flow__send'));
    assert.ok((await names(fresh)).includes('flow__send'));
  });

  it('leaves a second session of the same user unaffected', async () => {
    const first = await session('alice');
    await call(first, 'flow__read_private', { id: 'c-1' });
    await call(first, 'flow__fetch', { url: 'https://example.com' });
    assertRefused(await call(first, 'flow__send', { to: 'x@example.com' }), 'RAMPART_POLICY_DENIED', [
      'toxic-flow',
    ]);
    const second = await session('alice');
    assertAllowed(await call(second, 'flow__read_private', { id: 'c-1' }));
    assertAllowed(await call(second, 'flow__send', { to: 'bob@example.com' }));
  });

  it('counts a result the output detectors flag as untrusted input', async () => {
    const alice = await session('alice');
    assertAllowed(await call(alice, 'flow__lookup', { page: 'injected' }));
    assertAllowed(await call(alice, 'flow__read_private', { id: 'c-1' }));
    assertRefused(await call(alice, 'flow__send', { to: 'attacker@example.com' }), 'RAMPART_POLICY_DENIED', [
      'toxic-flow',
    ]);
    const record = (await auditEvents<AuditRecord>(gw.rampart.config.stateDir)).findLast(
      (r) => r.name === 'flow__send' && r.session === alice.sessionId,
    )!;
    assert.deepEqual(record.detail.flow?.sources['untrusted_input'], [
      { item: 'flow__lookup', via: 'detector' },
    ]);
    // A harmless page of the same tool adds nothing.
    const clean = await session('alice');
    assertAllowed(await call(clean, 'flow__lookup', { page: 'reset' }));
    assertAllowed(await call(clean, 'flow__read_private', { id: 'c-1' }));
    assertAllowed(await call(clean, 'flow__send', { to: 'bob@example.com' }));
  });

  it('tracks a 2026-07-28 caller (no session) by its principal; another caller is unaffected', async () => {
    assertAllowed(await modern('carol', 'flow__send', { to: 'bob@example.com' }));
    assertAllowed(await modern('carol', 'flow__read_private', { id: 'c-1' }));
    assertAllowed(await modern('carol', 'flow__send', { to: 'bob@example.com' }));
    assertAllowed(await modern('carol', 'flow__fetch', { url: 'https://example.com' }));
    assertRefused(await modern('carol', 'flow__send', { to: 'x@example.com' }), 'RAMPART_POLICY_DENIED', [
      'toxic-flow',
    ]);
    assertAllowed(await modern('dave', 'flow__send', { to: 'bob@example.com' }));
    const event = gw.events.findLast((e) => e.name === 'flow__send' && e.principal?.subject === 'carol')!;
    assert.equal(event.sessionId, undefined);
    assert.equal(event.flow?.scope, 'caller');
    // The earlier sends count too: a session's labels are everything it touched.
    assert.deepEqual(event.flow?.session, ['private_data', 'public_sink', 'untrusted_input']);
  });
});

describe('toxic flows under the approval recipe (held for an approver)', () => {
  let idp: LocalIssuer;
  let gw: Started;
  const session = async () => {
    const token = await idp.sign({ sub: 'ada', groups: ['agents'] });
    const client = new LegacyClient(gw.url, {}, { authorization: `Bearer ${token}` });
    await client.initialize();
    await call(client, 'work__read_private', { id: 'c-1' });
    await call(client, 'work__fetch', { url: 'https://example.com' });
    return client;
  };
  /** The pending approval of a held send, once the held call has created it (event loop turns, no sleeping). */
  const pending = async () => {
    for (let i = 0; i < 5000; i++) {
      const found = gw.rampart.approvals!.list().find((a) => a.status === 'pending');
      if (found) return found;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('no pending approval');
  };

  before(async () => {
    idp = await startLocalIssuer(RESOURCE);
    gw = await startRampart({
      servers: [{ name: 'work', command: NODE, args: [FLOW_SERVER] }],
      auth: { resource: RESOURCE, issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }] },
      policy: {
        files: [RECIPE],
        labels: { work__read_private: ['private_data'], work__send: ['public_sink'] },
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
  });

  it('holds the send and lets it through once an approver approves', async () => {
    const ada = await session();
    const held = call(ada, 'work__send', { to: 'bob@example.com' });
    const approval = await pending();
    assert.equal(approval.mode, 'approver');
    assert.deepEqual(approval.policies, ['toxic-flow-needs-approver', 'work-tools']);
    const decided = gw.rampart.approvals!.decide(approval.id, {
      approved: true,
      approver: 'sec-oncall',
      channel: 'cli',
      reason: 'checked the recipient',
    });
    assert.equal(decided.ok, true);
    assertAllowed(await held);
  });

  it('refuses the send when the approver denies it', async () => {
    const ada = await session();
    const held = call(ada, 'work__send', { to: 'attacker@example.com' });
    const approval = await pending();
    gw.rampart.approvals!.decide(approval.id, { approved: false, approver: 'sec-oncall', channel: 'cli' });
    assertRefused(await held, 'RAMPART_APPROVAL_DENIED', ['toxic-flow-needs-approver']);
  });
});
