// The admin API with real signed tokens from a local issuer: 401 without a good token (with a challenge), 403
// without the admin scope or for self-approval, 404 unknown, 409 already decided or expired, 200 decisions that
// release the held call at once. Answers carry stable codes; nothing else (no stacks) leaks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ADMIN_MAX_BODY_BYTES, startAdminServer } from '../../src/admin/admin-server.ts';
import { Authenticator } from '../../src/auth/authenticator.ts';
import { RevocationList } from '../../src/auth/revocations.ts';
import { authSchema } from '../../src/config/auth-schema.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import { ApprovalBroker, type ApprovalRequest } from '../../src/policy/approvals/approval-broker.ts';
import { SqliteStore } from '../../src/store/sqlite-store.ts';
import { tempDir } from '../audit/helpers.ts';
import { startLocalIssuer } from '../helpers/local-issuer.ts';
import { manualClock, settled } from '../policy/approvals/manual-clock.ts';

const RESOURCE = 'http://rampart.test/mcp';
const TIMEOUT = 60_000;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function setup(t: { after(fn: () => void | Promise<void>): void }) {
  const dir = tempDir(t, 'rampart-admin-');
  const idp = await startLocalIssuer(RESOURCE);
  const state = new SqliteStore(dir);
  const revocations = new RevocationList(state);
  const authenticator = new Authenticator(
    authSchema.parse({
      resource: RESOURCE,
      issuers: [{ issuer: idp.issuer, jwksUri: idp.jwksUri }],
      scopes: { required: ['mcp'] },
    }),
    RESOURCE,
    revocations,
    dir,
  );
  const clock = manualClock(Date.now());
  const broker = ApprovalBroker.open(dir, { clock });
  const admin = await startAdminServer({
    host: '127.0.0.1',
    port: 0,
    authenticator,
    requiredScope: 'rampart:admin',
    broker,
    log: createLogger('silent'),
  });
  t.after(async () => {
    await admin.close();
    broker.close();
    revocations.close();
    state.close();
    await idp.stop();
  });
  const token = (sub: string, scope = 'mcp rampart:admin', extra: Record<string, unknown> = {}) =>
    idp.sign({ sub, scope, ...extra });
  const call = async (
    method: string,
    path: string,
    options: { token?: string; body?: string; type?: string } = {},
  ): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.type !== undefined) headers['content-type'] = options.type;
    const res = await fetch(`${admin.url}${path}`, { method, headers, body: options.body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? {} : JSON.parse(text) };
  };
  const hold = (overrides: Partial<ApprovalRequest> = {}) => {
    let id = '';
    const outcome = broker.request({
      principal: { issuer: idp.issuer, subject: 'alice', clientId: 'agent-app', agent: 'claude' },
      sessionId: undefined,
      server: 'pay',
      method: 'tools/call',
      name: 'pay__transfer',
      arguments: { amount: 5000 },
      policies: ['payments'],
      reason: 'Payments over 1000 need approval.',
      mode: 'approver',
      timeoutMs: TIMEOUT,
      signal: new AbortController().signal,
      onPending: (pending) => (id = pending),
      ...overrides,
    });
    return { id, outcome };
  };
  return { idp, admin, broker, clock, revocations, token, call, hold };
}

function codeOf(reply: Reply): unknown {
  return (reply.body['error'] as { code?: unknown } | undefined)?.code;
}

describe('admin API', () => {
  it('answers 401 with a challenge without a valid token', async (t) => {
    const { call, idp, token, revocations } = await setup(t);
    const missing = await call('GET', '/approvals');
    assert.equal(missing.status, 401);
    assert.equal(codeOf(missing), 'RAMPART_TOKEN_MISSING');
    const challenge = missing.headers.get('www-authenticate') ?? '';
    assert.match(
      challenge,
      /^Bearer resource_metadata="http:\/\/rampart\.test\/\.well-known\/oauth-protected-resource\/mcp"/,
    );
    assert.match(challenge, /scope="mcp rampart:admin"/);

    const garbage = await call('GET', '/approvals', { token: 'not-a-token' });
    assert.equal(garbage.status, 401);
    assert.match(garbage.headers.get('www-authenticate') ?? '', /error="invalid_token"/);

    const expired = await call('GET', '/approvals', {
      token: await token('bob', 'mcp rampart:admin', { exp: Math.floor(Date.now() / 1000) - 3600 }),
    });
    assert.equal(expired.status, 401);
    assert.equal(codeOf(expired), 'RAMPART_TOKEN_EXPIRED');

    const foreign = await call('GET', '/approvals', {
      token: await idp.sign({ sub: 'bob', scope: 'mcp rampart:admin', aud: 'https://elsewhere.example/mcp' }),
    });
    assert.equal(foreign.status, 401);
    assert.equal(codeOf(foreign), 'RAMPART_TOKEN_WRONG_AUDIENCE');

    revocations.revokeToken('jti-revoked');
    const revoked = await call('GET', '/approvals', {
      token: await token('bob', undefined, { jti: 'jti-revoked' }),
    });
    assert.equal(revoked.status, 401);
    assert.equal(codeOf(revoked), 'RAMPART_TOKEN_REVOKED');

    // Routes are not revealed before authentication.
    assert.equal((await call('GET', '/nothing-here')).status, 401);
  });

  it('answers 403 insufficient_scope without the admin scope', async (t) => {
    const { call, token } = await setup(t);
    const reply = await call('GET', '/approvals', { token: await token('bob', 'mcp') });
    assert.equal(reply.status, 403);
    assert.equal(codeOf(reply), 'RAMPART_INSUFFICIENT_SCOPE');
    assert.match(reply.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    assert.match(reply.headers.get('www-authenticate') ?? '', /scope="mcp rampart:admin"/);
    // The scopes every token needs still apply.
    const noMcp = await call('GET', '/approvals', { token: await token('bob', 'rampart:admin') });
    assert.equal(noMcp.status, 403);
    assert.equal(codeOf(noMcp), 'RAMPART_INSUFFICIENT_SCOPE');
  });

  it('lists pending approvals and shows one', async (t) => {
    const { call, token, hold, idp } = await setup(t);
    const bob = await token('bob');
    assert.deepEqual((await call('GET', '/approvals', { token: bob })).body, { approvals: [] });
    const { id } = hold();
    const list = await call('GET', '/approvals', { token: bob });
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('cache-control'), 'no-store');
    const approvals = list.body['approvals'] as Record<string, unknown>[];
    assert.equal(approvals.length, 1);
    const shown = approvals[0]!;
    assert.equal(shown['id'], id);
    assert.equal(shown['status'], 'pending');
    assert.equal(shown['name'], 'pay__transfer');
    assert.deepEqual(shown['arguments'], { amount: 5000 });
    assert.deepEqual(shown['requester'], {
      issuer: idp.issuer,
      subject: 'alice',
      clientId: 'agent-app',
      agent: 'claude',
    });
    assert.match(shown['argumentsSha256'] as string, /^[0-9a-f]{64}$/);
    const one = await call('GET', `/approvals/${id}`, { token: bob });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body['approval'], shown);
    const unknown = await call('GET', '/approvals/AAAAAAAAAAAAAAAAAAAAAA', { token: bob });
    assert.equal(unknown.status, 404);
    assert.equal(codeOf(unknown), 'RAMPART_APPROVAL_NOT_FOUND');
    const odd = await call('GET', '/approvals/%2e%2e', { token: bob });
    assert.equal(odd.status, 404);
    const route = await call('GET', '/other', { token: bob });
    assert.equal(route.status, 404);
    assert.equal(codeOf(route), 'RAMPART_METHOD_NOT_FOUND');
  });

  it('approves: 200, the held call resolves at once, a second decision gets 409', async (t) => {
    const { call, token, hold, idp } = await setup(t);
    const bob = await token('bob');
    const { id, outcome } = hold();
    const reply = await call('POST', `/approvals/${id}/approve`, {
      token: bob,
      type: 'application/json',
      body: JSON.stringify({ reason: 'expected invoice' }),
    });
    assert.equal(reply.status, 200);
    const approval = reply.body['approval'] as Record<string, unknown>;
    assert.equal(approval['status'], 'approved');
    assert.equal(approval['approver'], `admin:${idp.issuer}|bob`);
    assert.equal(approval['decisionReason'], 'expected invoice');
    assert.equal(approval['channel'], 'admin');
    assert.deepEqual(await outcome, {
      id,
      outcome: 'approved',
      approver: `admin:${idp.issuer}|bob`,
      channel: 'admin',
      reason: 'expected invoice',
    });
    const again = await call('POST', `/approvals/${id}/deny`, { token: bob });
    assert.equal(again.status, 409);
    assert.equal(codeOf(again), 'RAMPART_APPROVAL_DECIDED');
    const history = await call('GET', '/approvals?all=1', { token: bob });
    assert.deepEqual(
      (history.body['approvals'] as Record<string, unknown>[]).map((a) => [a['id'], a['status']]),
      [[id, 'approved']],
    );
    assert.deepEqual((await call('GET', '/approvals', { token: bob })).body, { approvals: [] });
    const unknown = await call('POST', '/approvals/AAAAAAAAAAAAAAAAAAAAAA/approve', { token: bob });
    assert.equal(unknown.status, 404);
    assert.equal(codeOf(unknown), 'RAMPART_APPROVAL_NOT_FOUND');
  });

  it('denies, with or without a body', async (t) => {
    const { call, token, hold } = await setup(t);
    const bob = await token('bob');
    const first = hold();
    const reply = await call('POST', `/approvals/${first.id}/deny`, { token: bob });
    assert.equal(reply.status, 200);
    assert.equal((reply.body['approval'] as Record<string, unknown>)['status'], 'denied');
    const result = await first.outcome;
    assert.equal(result.outcome, 'denied');
    assert.equal(result.reason, undefined);
    const second = hold();
    await call('POST', `/approvals/${second.id}/deny`, {
      token: bob,
      type: 'application/json; charset=utf-8',
      body: '{"reason":"not today"}',
    });
    assert.equal((await second.outcome).reason, 'not today');
  });

  it('refuses self-approval with 403 where the policy wants another approver', async (t) => {
    const { call, token, hold } = await setup(t);
    const alice = await token('alice');
    const strict = hold({ mode: 'approver' });
    const self = await call('POST', `/approvals/${strict.id}/approve`, { token: alice });
    assert.equal(self.status, 403);
    assert.equal(codeOf(self), 'RAMPART_SELF_APPROVAL');
    assert.equal(await settled(strict.outcome), false);
    const bob = await call('POST', `/approvals/${strict.id}/deny`, { token: await token('bob') });
    assert.equal(bob.status, 200);
    assert.equal((await strict.outcome).outcome, 'denied');
    // In mode any the caller may answer for themselves.
    const lenient = hold({ mode: 'any' });
    assert.equal((await call('POST', `/approvals/${lenient.id}/approve`, { token: alice })).status, 200);
    assert.equal((await lenient.outcome).outcome, 'approved');
  });

  it('answers 409 once the request expired', async (t) => {
    const { call, token, hold, clock } = await setup(t);
    const { id, outcome } = hold();
    clock.advance(TIMEOUT);
    assert.equal((await outcome).outcome, 'timeout');
    const reply = await call('POST', `/approvals/${id}/approve`, { token: await token('bob') });
    assert.equal(reply.status, 409);
    assert.equal(codeOf(reply), 'RAMPART_APPROVAL_EXPIRED');
  });

  it('rejects bad bodies and methods with stable codes and no internals', async (t) => {
    const { call, token, hold } = await setup(t);
    const bob = await token('bob');
    const { id, outcome } = hold();
    const path = `/approvals/${id}/approve`;
    const cases: Array<[{ body?: string; type?: string }, number, string]> = [
      [
        { body: 'reason=ok', type: 'application/x-www-form-urlencoded' },
        415,
        'RAMPART_UNSUPPORTED_MEDIA_TYPE',
      ],
      [{ body: '{"reason":"ok"}' }, 415, 'RAMPART_UNSUPPORTED_MEDIA_TYPE'],
      [{ body: '{"reason":', type: 'application/json' }, 400, 'RAMPART_PARSE_ERROR'],
      [{ body: '[1]', type: 'application/json' }, 400, 'RAMPART_INVALID_PARAMS'],
      [{ body: '{"reason":42}', type: 'application/json' }, 400, 'RAMPART_INVALID_PARAMS'],
      [
        { body: '{"reason":"ok","approver":"someone-else"}', type: 'application/json' },
        400,
        'RAMPART_INVALID_PARAMS',
      ],
      [
        { body: JSON.stringify({ reason: 'x'.repeat(ADMIN_MAX_BODY_BYTES) }), type: 'application/json' },
        413,
        'RAMPART_BODY_TOO_LARGE',
      ],
    ];
    for (const [options, status, code] of cases) {
      const reply = await call('POST', path, { token: bob, ...options });
      assert.equal(reply.status, status, code);
      assert.equal(codeOf(reply), code);
      assert.doesNotMatch(JSON.stringify(reply.body), /\.ts\b|at \w+ \(/);
    }
    const wrongMethod = await call('GET', path, { token: bob });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'POST');
    const deleteList = await call('DELETE', '/approvals', { token: bob });
    assert.equal(deleteList.status, 405);
    assert.equal(deleteList.headers.get('allow'), 'GET, HEAD');
    assert.equal((await call('GET', '/approvals?limit=0', { token: bob })).status, 400);
    // None of it decided anything.
    assert.equal(await settled(outcome), false);
  });
});
