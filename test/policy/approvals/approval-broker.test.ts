// The approval broker holds a call until the first of: an approver here (at once), an approver in another process
// (next poll), the user (mode any only), the timeout (denies) or cancellation. Time is a manual clock: nothing
// sleeps.
import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import {
  ApprovalBroker,
  type ApprovalOutcome,
  type ApprovalRequest,
} from '../../../src/policy/approvals/approval-broker.ts';
import { ApprovalStore } from '../../../src/policy/approvals/approval-store.ts';
import { tempDir } from '../../audit/helpers.ts';
import { type ManualClock, manualClock, settled } from './manual-clock.ts';

const ALICE = { issuer: 'https://idp.example', subject: 'alice', clientId: 'agent-app', agent: 'claude' };
const BOB = { issuer: 'https://idp.example', subject: 'bob' };
const TIMEOUT = 60_000;

function setup(t: { after(fn: () => void): void }, pollMs = 250) {
  const dir = tempDir(t, 'rampart-broker-');
  const clock = manualClock();
  const broker = ApprovalBroker.open(dir, { clock, pollMs });
  t.after(() => broker.close());
  return { dir, clock, broker };
}

function input(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    principal: ALICE,
    sessionId: 'sess-1',
    server: 'pay',
    method: 'tools/call',
    name: 'pay__transfer',
    arguments: { amount: 5000 },
    policies: ['payments'],
    reason: 'Payments over 1000 need approval.',
    mode: 'approver',
    timeoutMs: TIMEOUT,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** Starts a held request and returns it with the id onPending reported. */
function hold(broker: ApprovalBroker, overrides: Partial<ApprovalRequest> = {}) {
  let id = '';
  const outcome = broker.request(input({ ...overrides, onPending: (pending) => (id = pending) }));
  assert.match(id, /^apr_[A-Za-z0-9_-]{22}$/, 'onPending runs before request() returns');
  return { id, outcome };
}

function assertIdle(broker: ApprovalBroker, clock: ManualClock): void {
  assert.equal(broker.heldCount, 0);
  assert.equal(clock.timers(), 0, 'no timer left armed');
}

describe('approval broker', () => {
  it('resolves at once when an approver approves in this process', async (t) => {
    const { clock, broker } = setup(t);
    const { id, outcome } = hold(broker);
    assert.equal(broker.get(id)!.status, 'pending');
    assert.equal(await settled(outcome), false);
    const decided = broker.decide(id, {
      approved: true,
      approver: 'admin:https://idp.example|bob',
      reason: 'expected payment',
      channel: 'admin',
      identity: BOB,
    });
    assert.equal(decided.ok, true);
    assert.deepEqual(await outcome, {
      id,
      outcome: 'approved',
      approver: 'admin:https://idp.example|bob',
      channel: 'admin',
      reason: 'expected payment',
    } satisfies ApprovalOutcome);
    const row = broker.get(id)!;
    assert.equal(row.status, 'approved');
    assert.equal(row.decidedAt, clock.now());
    assertIdle(broker, clock);
  });

  it('resolves denied when an approver denies', async (t) => {
    const { clock, broker } = setup(t);
    const { id, outcome } = hold(broker);
    assert.equal(broker.decide(id, { approved: false, approver: 'cli:root', channel: 'cli' }).ok, true);
    const result = await outcome;
    assert.equal(result.outcome, 'denied');
    assert.equal(result.channel, 'cli');
    assert.equal(result.reason, undefined);
    assert.equal(broker.get(id)!.status, 'denied');
    assertIdle(broker, clock);
  });

  it('denies by timeout, and refuses later decisions as expired', async (t) => {
    const { clock, broker } = setup(t);
    const { id, outcome } = hold(broker);
    clock.advance(TIMEOUT - 1);
    assert.equal(await settled(outcome), false);
    clock.advance(1);
    assert.deepEqual(await outcome, {
      id,
      outcome: 'timeout',
      approver: undefined,
      channel: 'timeout',
      reason: undefined,
    } satisfies ApprovalOutcome);
    const row = broker.get(id)!;
    assert.equal(row.status, 'expired');
    assert.equal(row.channel, 'timeout');
    assert.deepEqual(broker.decide(id, { approved: true, approver: 'cli:root', channel: 'cli' }), {
      ok: false,
      why: 'expired',
    });
    assertIdle(broker, clock);
  });

  it('refuses a decision past the deadline even before the timer fired', async (t) => {
    const { clock, broker } = setup(t);
    const { id, outcome } = hold(broker);
    clock.jump(TIMEOUT);
    assert.deepEqual(broker.decide(id, { approved: true, approver: 'cli:root', channel: 'cli' }), {
      ok: false,
      why: 'expired',
    });
    clock.advance(0);
    assert.equal((await outcome).outcome, 'timeout');
  });

  it('cancels when the caller goes away, also before the request was made', async (t) => {
    const { clock, broker } = setup(t);
    const controller = new AbortController();
    const { id, outcome } = hold(broker, { signal: controller.signal });
    controller.abort();
    assert.deepEqual(await outcome, {
      id,
      outcome: 'cancelled',
      approver: undefined,
      channel: 'cancelled',
      reason: undefined,
    } satisfies ApprovalOutcome);
    assert.equal(broker.get(id)!.status, 'cancelled');
    assert.deepEqual(broker.decide(id, { approved: true, approver: 'cli:root', channel: 'cli' }), {
      ok: false,
      why: 'decided',
    });
    const early = hold(broker, { signal: AbortSignal.abort() });
    assert.equal((await early.outcome).outcome, 'cancelled');
    assert.equal(broker.get(early.id)!.status, 'cancelled');
    assertIdle(broker, clock);
  });

  it('picks up a decision another process wrote on the next poll', async (t) => {
    const { clock, broker, dir } = setup(t);
    const { id, outcome } = hold(broker);
    // `rampart approvals approve` is another process with its own connection to rampart.db.
    const cli = new ApprovalStore(dir);
    assert.equal(
      cli.decide(id, { approved: true, approver: 'cli:root', reason: 'ok', channel: 'cli' }, clock.now()),
      true,
    );
    cli.close();
    assert.equal(await settled(outcome), false);
    clock.advance(249);
    assert.equal(await settled(outcome), false);
    clock.advance(1);
    assert.deepEqual(await outcome, {
      id,
      outcome: 'approved',
      approver: 'cli:root',
      channel: 'cli',
      reason: 'ok',
    } satisfies ApprovalOutcome);
    assertIdle(broker, clock);
  });

  it('polls through a plain SQLite connection too, and keeps polling until decided', async (t) => {
    const { clock, broker, dir } = setup(t, 1000);
    const first = hold(broker);
    const second = hold(broker);
    clock.advance(3000);
    assert.equal(await settled(first.outcome), false);
    const raw = new DatabaseSync(`${dir}/rampart.db`);
    raw
      .prepare(
        "UPDATE approvals SET status = 'denied', approver = 'cli:root', channel = 'cli', decided_at = ? WHERE id = ?",
      )
      .run(clock.now(), second.id);
    raw.close();
    clock.advance(1000);
    assert.equal((await second.outcome).outcome, 'denied');
    assert.equal(await settled(first.outcome), false);
    assert.equal(broker.heldCount, 1);
    clock.advance(TIMEOUT);
    assert.equal((await first.outcome).outcome, 'timeout');
    assertIdle(broker, clock);
  });

  it('lets a decision written elsewhere beat the timeout that fires before the next poll', async (t) => {
    const { clock, broker, dir } = setup(t, 10 * TIMEOUT);
    const { id, outcome } = hold(broker);
    const cli = new ApprovalStore(dir);
    cli.decide(id, { approved: true, approver: 'cli:root', channel: 'cli' }, clock.now() + 10);
    cli.close();
    clock.advance(TIMEOUT);
    assert.equal((await outcome).outcome, 'approved');
    assert.equal(broker.get(id)!.status, 'approved');
  });

  it('refuses unknown ids and second decisions', async (t) => {
    const { broker } = setup(t);
    assert.deepEqual(broker.decide('nope', { approved: true, approver: 'cli:root', channel: 'cli' }), {
      ok: false,
      why: 'unknown',
    });
    const { id, outcome } = hold(broker);
    assert.equal(broker.decide(id, { approved: true, approver: 'cli:root', channel: 'cli' }).ok, true);
    assert.deepEqual(broker.decide(id, { approved: false, approver: 'cli:eve', channel: 'cli' }), {
      ok: false,
      why: 'decided',
    });
    assert.equal((await outcome).outcome, 'approved');
  });

  it('refuses self-approval in mode approver, but not in mode any', async (t) => {
    const { broker } = setup(t);
    const strict = hold(broker, { mode: 'approver' });
    const self = {
      approved: true,
      approver: 'admin:https://idp.example|alice',
      channel: 'admin',
      identity: { issuer: ALICE.issuer, subject: ALICE.subject },
    } as const;
    assert.deepEqual(broker.decide(strict.id, self), { ok: false, why: 'self-approval' });
    assert.equal(broker.get(strict.id)!.status, 'pending');
    // Same subject at another issuer is another identity.
    const other = { ...self, identity: { issuer: 'https://other.example', subject: 'alice' } };
    assert.equal(broker.decide(strict.id, other).ok, true);
    assert.equal((await strict.outcome).outcome, 'approved');

    const lenient = hold(broker, { mode: 'any' });
    assert.equal(broker.decide(lenient.id, self).ok, true);
    assert.equal((await lenient.outcome).outcome, 'approved');
  });

  it('asks the user in mode any; the user can approve or deny', async (t) => {
    const { clock, broker } = setup(t);
    const approved = hold(broker, {
      mode: 'any',
      askUser: async () => ({ approved: true, reason: 'I asked for it' }),
    });
    assert.deepEqual(await approved.outcome, {
      id: approved.id,
      outcome: 'approved',
      approver: 'user:https://idp.example|alice',
      channel: 'elicitation',
      reason: 'I asked for it',
    } satisfies ApprovalOutcome);
    assert.equal(broker.get(approved.id)!.channel, 'elicitation');

    const denied = hold(broker, {
      mode: 'any',
      principal: undefined,
      askUser: async () => ({ approved: false }),
    });
    const result = await denied.outcome;
    assert.equal(result.outcome, 'denied');
    assert.equal(result.approver, 'user:anonymous');
    assertIdle(broker, clock);
  });

  it('races the user with approvers: the first decision wins and a late answer is ignored', async (t) => {
    const { broker } = setup(t);
    let answer!: (value: { approved: boolean }) => void;
    const { id, outcome } = hold(broker, {
      mode: 'any',
      askUser: () => new Promise((resolve) => (answer = resolve)),
    });
    assert.equal(broker.decide(id, { approved: false, approver: 'cli:root', channel: 'cli' }).ok, true);
    assert.equal((await outcome).outcome, 'denied');
    answer({ approved: true });
    await settled(new Promise(() => {}));
    const row = broker.get(id)!;
    assert.equal(row.status, 'denied');
    assert.equal(row.approver, 'cli:root');
  });

  it('keeps waiting for approvers when the user cannot be asked', async (t) => {
    const { broker } = setup(t);
    const { id, outcome } = hold(broker, {
      mode: 'any',
      askUser: () => Promise.reject(new Error('client does not answer elicitation')),
    });
    assert.equal(await settled(outcome), false);
    assert.equal(broker.get(id)!.status, 'pending');
    broker.decide(id, { approved: true, approver: 'cli:root', channel: 'cli' });
    assert.equal((await outcome).outcome, 'approved');

    const throwing = hold(broker, {
      mode: 'any',
      askUser: () => {
        throw new Error('no elicitation');
      },
    });
    assert.equal(await settled(throwing.outcome), false);
    broker.decide(throwing.id, { approved: false, approver: 'cli:root', channel: 'cli' });
    assert.equal((await throwing.outcome).outcome, 'denied');
  });

  it('does not ask the user in mode approver', async (t) => {
    const { clock, broker } = setup(t);
    let asked = 0;
    const { outcome } = hold(broker, {
      mode: 'approver',
      askUser: async () => {
        asked++;
        return { approved: true };
      },
    });
    assert.equal(await settled(outcome), false);
    assert.equal(asked, 0);
    clock.advance(TIMEOUT);
    assert.equal((await outcome).outcome, 'timeout');
  });

  it('cancels every held call on close and refuses new ones', async (t) => {
    const dir = tempDir(t, 'rampart-broker-');
    const clock = manualClock();
    const broker = ApprovalBroker.open(dir, { clock });
    const a = hold(broker);
    const b = hold(broker, { mode: 'any' });
    broker.close();
    assert.equal((await a.outcome).outcome, 'cancelled');
    assert.equal((await b.outcome).outcome, 'cancelled');
    assert.equal(clock.timers(), 0);
    await assert.rejects(broker.request(input()), { code: 'RAMPART_SHUTTING_DOWN' });
    const store = new ApprovalStore(dir);
    t.after(() => store.close());
    assert.equal(store.get(a.id)!.status, 'cancelled');
    assert.equal(store.get(b.id)!.status, 'cancelled');
  });

  it('expires requests a stopped process left pending when it starts', (t) => {
    const dir = tempDir(t, 'rampart-broker-');
    const clock = manualClock();
    const store = new ApprovalStore(dir);
    const left = store.create({
      createdAt: clock.now() - 120_000,
      expiresAt: clock.now() - 60_000,
      mode: 'any',
      requester: undefined,
      session: undefined,
      server: 'pay',
      method: 'tools/call',
      name: 'pay__transfer',
      arguments: {},
      policies: [],
      reason: 'r',
    });
    const broker = new ApprovalBroker({ store, clock });
    t.after(() => {
      broker.close();
      store.close();
    });
    assert.equal(broker.get(left.id)!.status, 'expired');
    assert.deepEqual(
      broker.list({ all: true }).map((r) => r.id),
      [left.id],
    );
    assert.deepEqual(broker.list(), []);
  });
});
