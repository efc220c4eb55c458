// Human approval end to end: a policy holds a call (`@approval` on a forbid), an approver approves through the
// admin API or denies through `rampart approvals`, the user answers an elicitation, and a call nobody decides
// times out. Each decision, its approver and reason are in the audit log before the call goes on. The approval
// clock is frozen: timeouts and polls happen when the test advances it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { auditEvents } from '../helpers/audit-events.ts';
import { type LocalIssuer, startLocalIssuer } from '../helpers/local-issuer.ts';
import { type HttpAnswer, LegacyClient, modernRequest, rpcError, rpcResult } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';
import { type ManualClock, manualClock } from '../policy/approvals/manual-clock.ts';

const execFileAsync = promisify(execFile);
const BUSINESS = path.join(REPO, 'test/fixtures/business-server.ts');
const RESOURCE = 'http://rampart.test/mcp';
const TIMEOUT_MS = 120_000;
const POLL_MS = 250;

const POLICIES = `@id("lists")
permit(principal, action == Action::"list", resource);

@id("finance-pay")
permit(principal in Group::"finance", action == Action::"call", resource == Tool::"biz__pay")
when { context.arguments has currency && context.arguments.currency == "EUR" };

@id("big-payments")
@approval("approver")
@reason("Payments above 1000 EUR need an approver.")
forbid(principal, action == Action::"call", resource == Tool::"biz__pay")
when { context.arguments has amount && context.arguments.amount > 1000 };

@id("readers-delete")
permit(principal in Group::"readers", action == Action::"call", resource == Tool::"biz__delete_file");

@id("destructive-needs-a-human")
@approval
@reason("Destructive tools need a human's approval.")
forbid(principal, action == Action::"call", resource is Tool)
when { resource.annotations.destructiveHint };
`;

interface AuditRecord {
  decision: string;
  code: string | null;
  name: string | null;
  ruleIds: string[];
  detail: Record<string, unknown> | null;
}

describe('approvals end to end', () => {
  let idp: LocalIssuer;
  let gw: Started;
  let dir: string;
  let stateDir: string;
  let clock: ManualClock;
  const client = async (sub: string, groups: string[], capabilities: Record<string, unknown> = {}) => {
    const c = new LegacyClient(gw.url, capabilities, {
      authorization: `Bearer ${await idp.sign({ sub, groups })}`,
    });
    await c.initialize();
    return c;
  };
  const admin = async (method: string, route: string, sub: string, body?: unknown) => {
    const token = await idp.sign({ sub, scope: 'mcp rampart:admin' });
    const res = await fetch(`${gw.rampart.adminUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  /** The pending approval for `name`, once the held call has created it (turns of the event loop, no sleeping). */
  const pendingFor = async (name: string) => {
    for (let i = 0; i < 2000; i++) {
      const found = gw.rampart.approvals!.list().find((a) => a.name === name && a.status === 'pending');
      if (found) return found;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`no pending approval for ${name}`);
  };

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-approvals-e2e-'));
    stateDir = path.join(dir, 'state');
    writeFileSync(path.join(dir, 'p.cedar'), POLICIES);
    writeFileSync(
      path.join(dir, 'rampart.yaml'),
      `stateDir: ${stateDir}\nservers:\n  - name: biz\n    command: node\n`,
    );
    idp = await startLocalIssuer(RESOURCE);
    clock = manualClock(Date.now());
    gw = await startRampart(
      {
        stateDir,
        servers: [{ name: 'biz', command: NODE, args: [BUSINESS] }],
        auth: { resource: RESOURCE, issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }] },
        policy: { files: [path.join(dir, 'p.cedar')], approvals: { timeoutMs: TIMEOUT_MS, pollMs: POLL_MS } },
        admin: { port: 0 },
      },
      { approvalClock: clock },
    );
  });
  after(async () => {
    await gw?.stop();
    await idp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a call that needs approval (it is held, not denied)', async () => {
    const bob = await client('bob', ['finance']);
    const tools = (await bob.result('tools/list'))['tools'] as { name: string }[];
    assert.deepEqual(
      tools.map((t) => t.name),
      ['biz__pay'],
    );
  });

  it('holds a large payment until an approver approves it through the admin API', async () => {
    const bob = await client('bob', ['finance']);
    const call = bob.request('tools/call', {
      name: 'biz__pay',
      arguments: { amount: 5000, currency: 'EUR' },
    });
    const pending = await pendingFor('biz__pay');
    assert.equal(pending.mode, 'approver');
    assert.deepEqual(pending.policies, ['big-payments', 'finance-pay']);

    // Four eyes: the requester cannot approve their own call.
    const self = await admin('POST', `/approvals/${pending.id}/approve`, 'bob', { reason: 'mine' });
    assert.equal(self.status, 403);
    assert.equal((self.body['error'] as { code: string }).code, 'RAMPART_SELF_APPROVAL');

    const listed = await admin('GET', '/approvals', 'carol');
    assert.equal(listed.status, 200);
    const approved = await admin('POST', `/approvals/${pending.id}/approve`, 'carol', {
      reason: 'invoice 4711 checked',
    });
    assert.equal(approved.status, 200);
    const answer = await call;
    assert.match(JSON.stringify(answer.response?.['result']), /5000/);
    const event = gw.events.findLast((e) => e.method === 'tools/call');
    assert.equal(event?.decision, 'allowed');
    assert.ok(event?.ruleIds.includes(`approval:${pending.id}`));

    const events = await auditEvents<AuditRecord>(stateDir);
    const record = events.find((e) => e.detail?.['approval'] === pending.id)!;
    assert.equal(record.decision, 'approved');
    // Approvers were told: an alert (log, audit log, webhook) named the waiting call.
    const alert = events.find(
      (e) =>
        e.decision === 'alert_raised' &&
        (e.detail?.['evidence'] as Record<string, unknown>)?.['approval'] === pending.id,
    );
    assert.equal(alert?.detail?.['rule'], 'approval.pending');
    assert.equal(record.detail?.['approver'], `admin:${idp.issuer}|carol`);
    assert.equal(record.detail?.['reason'], 'invoice 4711 checked');
    assert.equal(record.detail?.['channel'], 'admin');
  });

  it('refuses a payment an approver denies with `rampart approvals deny`', async () => {
    const bob = await client('bob', ['finance']);
    const call = bob.request('tools/call', {
      name: 'biz__pay',
      arguments: { amount: 2000, currency: 'EUR' },
    });
    const pending = await pendingFor('biz__pay');
    await execFileAsync(process.execPath, [
      path.join(REPO, 'src/cli/main.ts'),
      'approvals',
      'deny',
      pending.id,
      '--config',
      path.join(dir, 'rampart.yaml'),
      '--reason',
      'not in budget',
      '--approver',
      'dave',
    ]);
    // The CLI wrote to the database; the held call sees it on its next poll.
    clock.advance(POLL_MS);
    const answer: HttpAnswer = await call;
    const error = rpcError(answer).data;
    assert.equal(error.code, 'RAMPART_APPROVAL_DENIED');
    assert.deepEqual(error['policies'], ['big-payments']);
    const record = (await auditEvents<AuditRecord>(stateDir)).find(
      (e) => e.detail?.['approval'] === pending.id,
    )!;
    assert.equal(record.decision, 'denied');
    assert.equal(record.code, 'RAMPART_APPROVAL_DENIED');
    assert.equal(record.detail?.['approver'], 'dave');
    assert.equal(record.detail?.['reason'], 'not in budget');
  });

  it('denies a held call nobody decides once the timeout passes', async () => {
    const bob = await client('bob', ['finance']);
    const call = bob.request('tools/call', {
      name: 'biz__pay',
      arguments: { amount: 3000, currency: 'EUR' },
    });
    const pending = await pendingFor('biz__pay');
    clock.advance(TIMEOUT_MS - 1);
    assert.equal(gw.rampart.approvals!.get(pending.id)?.status, 'pending');
    clock.advance(1);
    const answer = await call;
    assert.equal(rpcError(answer).data.code, 'RAMPART_APPROVAL_TIMEOUT');
    const record = (await auditEvents<AuditRecord>(stateDir)).find(
      (e) => e.detail?.['approval'] === pending.id,
    )!;
    assert.equal(record.detail?.['outcome'], 'timeout');
  });

  it('asks the user by elicitation when the policy lets the user decide', async () => {
    const alice = await client('alice', ['readers'], { elicitation: { form: {} } });
    const asked: Record<string, unknown>[] = [];
    const allowed = await alice.request(
      'tools/call',
      { name: 'biz__delete_file', arguments: { path: '/data/old.txt' } },
      {
        onRequest: (message) => {
          asked.push(message);
          return { action: 'accept', content: { approve: true, reason: 'cleanup' } };
        },
      },
    );
    assert.equal(asked.length, 1);
    assert.equal(asked[0]!['method'], 'elicitation/create');
    assert.match(JSON.stringify(allowed.response?.['result']), /old\.txt/);

    const refused = await alice.request(
      'tools/call',
      { name: 'biz__delete_file', arguments: { path: '/data/keep.txt' } },
      { onRequest: () => ({ action: 'accept', content: { approve: false } }) },
    );
    assert.equal(rpcError(refused).data.code, 'RAMPART_APPROVAL_DENIED');
    const records = (await auditEvents<AuditRecord>(stateDir)).filter(
      (e) => e.name === 'biz__delete_file' && e.detail?.['channel'],
    );
    assert.deepEqual(
      records.map((r) => [r.decision, r.detail?.['channel'], r.detail?.['approver']]),
      [
        ['approved', 'elicitation', `user:${idp.issuer}|alice`],
        ['denied', 'elicitation', `user:${idp.issuer}|alice`],
      ],
    );
  });

  it('asks a 2026-07-28 client by MRTR and binds its answer to the exact call', async () => {
    const headers = { authorization: `Bearer ${await idp.sign({ sub: 'alice', groups: ['readers'] })}` };
    const capabilities = { elicitation: { form: {} } };
    const call = (args: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      modernRequest(
        gw.url,
        'tools/call',
        { name: 'biz__delete_file', arguments: args, ...extra },
        { headers, capabilities },
      );
    const first = rpcResult(await call({ path: '/data/tmp.txt' }));
    assert.equal(first['resultType'], 'input_required');
    const requests = first['inputRequests'] as Record<
      string,
      { method: string; params: Record<string, unknown> }
    >;
    const [key, request] = Object.entries(requests)[0]!;
    assert.equal(request.method, 'elicitation/create');
    const state = first['requestState'] as string;
    const answer = { [key]: { action: 'accept', content: { approve: true } } };

    // The same state cannot approve other arguments.
    const swapped = await call({ path: '/data/everything' }, { requestState: state, inputResponses: answer });
    assert.equal(rpcError(swapped).data.code, 'RAMPART_INVALID_REQUEST_STATE');

    const done = rpcResult(
      await call({ path: '/data/tmp.txt' }, { requestState: state, inputResponses: answer }),
    );
    assert.match(JSON.stringify(done), /tmp\.txt/);
    // What reached the upstream carried no MRTR fields.
    assert.doesNotMatch(JSON.stringify(done), /requestState|inputResponses/);
    const records = (await auditEvents<AuditRecord>(stateDir)).filter(
      (e) => e.detail?.['channel'] === 'elicitation',
    );
    assert.equal(records.at(-1)?.decision, 'approved');

    const replay = await call({ path: '/data/tmp.txt' }, { requestState: state, inputResponses: answer });
    assert.equal(rpcError(replay).data.code, 'RAMPART_INVALID_REQUEST_STATE');
  });
});
