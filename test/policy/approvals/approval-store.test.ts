// The approvals table in rampart.db: every way out of `pending` is one conditional UPDATE, so of two
// connections (the gateway and the CLI) deciding the same request exactly one wins.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { canonicalJson } from '../../../src/audit/canonical.ts';
import {
  ApprovalStore,
  effectiveStatus,
  type NewApproval,
} from '../../../src/policy/approvals/approval-store.ts';
import { SqliteStore } from '../../../src/store/sqlite-store.ts';
import { REPO, tempDir } from '../../audit/helpers.ts';

const run = promisify(execFile);
const STORE_MODULE = path.join(REPO, 'src/policy/approvals/approval-store.ts');

const T0 = Date.parse('2026-03-02T09:00:00.000Z');

function sample(overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    createdAt: T0,
    expiresAt: T0 + 60_000,
    mode: 'approver',
    requester: { issuer: 'https://idp.example', subject: 'alice', clientId: 'agent-app', agent: 'claude' },
    session: 'sess-1',
    server: 'pay',
    method: 'tools/call',
    name: 'pay__transfer',
    arguments: { amount: 5000, to: '[REDACTED]' },
    policies: ['payments-over-1000'],
    reason: 'Payments over 1000 need approval.',
    ...overrides,
  };
}

describe('approval store', () => {
  it('creates a pending request with an unguessable id and reads it back', (t) => {
    const store = new ApprovalStore(tempDir(t, 'rampart-approvals-'));
    t.after(() => store.close());
    const created = store.create(sample());
    assert.match(created.id, /^apr_[A-Za-z0-9_-]{22}$/);
    assert.notEqual(store.create(sample()).id, created.id);
    const read = store.get(created.id)!;
    assert.deepEqual(read, created);
    assert.equal(read.status, 'pending');
    assert.equal(read.mode, 'approver');
    assert.deepEqual(read.requester, {
      issuer: 'https://idp.example',
      subject: 'alice',
      clientId: 'agent-app',
      agent: 'claude',
    });
    assert.deepEqual(read.arguments, { amount: 5000, to: '[REDACTED]' });
    assert.equal(
      read.argumentsSha256,
      createHash('sha256')
        .update(canonicalJson({ amount: 5000, to: '[REDACTED]' }))
        .digest('hex'),
    );
    assert.deepEqual(read.policies, ['payments-over-1000']);
    assert.equal(read.decidedAt, undefined);
    assert.equal(read.channel, undefined);
    assert.equal(store.get('no-such-id'), undefined);
    // The caller may supply the digest (of the unredacted arguments, as the audit log has it).
    assert.equal(store.create(sample({ argumentsSha256: 'ab'.repeat(32) })).argumentsSha256, 'ab'.repeat(32));
    const anonymous = store.create(
      sample({ requester: undefined, session: undefined, arguments: undefined }),
    );
    assert.equal(anonymous.requester, undefined);
    assert.equal(anonymous.session, undefined);
    assert.equal(anonymous.arguments, null);
  });

  it('lists pending requests soonest-to-expire first, and everything newest first with all', (t) => {
    const store = new ApprovalStore(tempDir(t, 'rampart-approvals-'));
    t.after(() => store.close());
    const late = store.create(sample({ createdAt: T0, expiresAt: T0 + 90_000 }));
    const soon = store.create(sample({ createdAt: T0 + 1000, expiresAt: T0 + 30_000 }));
    const decided = store.create(sample({ createdAt: T0 + 2000 }));
    assert.equal(
      store.decide(decided.id, { approved: false, approver: 'cli:bob', channel: 'cli' }, T0 + 3000),
      true,
    );
    assert.deepEqual(
      store.listPending(T0 + 5000).map((r) => r.id),
      [soon.id, late.id],
    );
    // Past its deadline a request is no longer pending, even before anyone marks it expired.
    assert.deepEqual(
      store.list({}, T0 + 40_000).map((r) => r.id),
      [late.id],
    );
    assert.equal(effectiveStatus(store.get(soon.id)!, T0 + 40_000), 'expired');
    assert.deepEqual(
      store.list({ all: true }, T0 + 40_000).map((r) => r.id),
      [decided.id, soon.id, late.id],
    );
    assert.deepEqual(
      store.list({ all: true, limit: 1 }, T0).map((r) => r.id),
      [decided.id],
    );
  });

  it('records a decision only while the request is pending and unexpired', (t) => {
    const store = new ApprovalStore(tempDir(t, 'rampart-approvals-'));
    t.after(() => store.close());
    const a = store.create(sample());
    assert.equal(
      store.decide(
        a.id,
        { approved: true, approver: 'cli:bob', reason: 'looks fine', channel: 'cli' },
        T0 + 10,
      ),
      true,
    );
    const read = store.get(a.id)!;
    assert.equal(read.status, 'approved');
    assert.equal(read.approver, 'cli:bob');
    assert.equal(read.decisionReason, 'looks fine');
    assert.equal(read.channel, 'cli');
    assert.equal(read.decidedAt, T0 + 10);
    // Second decision, expiry and cancellation all lose.
    assert.equal(
      store.decide(a.id, { approved: false, approver: 'cli:eve', channel: 'cli' }, T0 + 20),
      false,
    );
    assert.equal(store.expire(a.id, T0 + 20), false);
    assert.equal(store.cancel(a.id, T0 + 20), false);
    assert.equal(store.get(a.id)!.approver, 'cli:bob');

    const late = store.create(sample());
    assert.equal(
      store.decide(late.id, { approved: true, approver: 'cli:bob', channel: 'cli' }, T0 + 60_000),
      false,
    );
    assert.equal(store.get(late.id)!.status, 'pending');
    assert.equal(store.expire(late.id, T0 + 60_000), true);
    assert.equal(store.get(late.id)!.status, 'expired');
    assert.equal(store.get(late.id)!.channel, 'timeout');

    const gone = store.create(sample());
    assert.equal(store.cancel(gone.id, T0 + 5), true);
    assert.equal(store.get(gone.id)!.status, 'cancelled');
    assert.equal(store.decide('no-such-id', { approved: true, approver: 'x', channel: 'cli' }, T0), false);
  });

  it('lets exactly one of two connections to the same file decide', (t) => {
    const dir = tempDir(t, 'rampart-approvals-');
    // The gateway's own state store has the file open too.
    const state = new SqliteStore(dir);
    const gateway = new ApprovalStore(dir);
    const cli = new ApprovalStore(dir);
    t.after(() => {
      cli.close();
      gateway.close();
      state.close();
    });
    for (let i = 0; i < 20; i++) {
      const { id } = gateway.create(sample());
      const first = i % 2 === 0 ? cli : gateway;
      const second = first === cli ? gateway : cli;
      const a = first.decide(id, { approved: true, approver: 'cli:bob', channel: 'cli' }, T0 + 1);
      const b = second.decide(id, { approved: false, approver: 'admin:x|carol', channel: 'admin' }, T0 + 1);
      assert.deepEqual([a, b], [true, false]);
      assert.equal(second.get(id)!.status, 'approved');
    }
  });

  it('reports decisions made elsewhere, in chunks, for polling', (t) => {
    const dir = tempDir(t, 'rampart-approvals-');
    const store = new ApprovalStore(dir);
    t.after(() => store.close());
    const ids = Array.from({ length: 1200 }, () => store.create(sample()).id);
    const other = new DatabaseSync(store.file);
    other.exec('PRAGMA busy_timeout = 5000');
    const decide = other.prepare(
      "UPDATE approvals SET status = 'approved', approver = 'cli:bob', channel = 'cli', decided_at = ? WHERE id = ?",
    );
    for (const i of [3, 700, 1199]) decide.run(T0 + 5, ids[i]!);
    other.close();
    const decided = store.pendingDecisions(ids);
    assert.deepEqual(decided.map((r) => r.id).sort(), [ids[3]!, ids[700]!, ids[1199]!].sort());
    assert.ok(decided.every((r) => r.status === 'approved' && r.approver === 'cli:bob'));
    assert.deepEqual(store.pendingDecisions([]), []);
  });

  it('expires requests left pending past their deadline', (t) => {
    const store = new ApprovalStore(tempDir(t, 'rampart-approvals-'));
    t.after(() => store.close());
    const overdue = store.create(sample({ expiresAt: T0 + 1000 }));
    const open = store.create(sample({ expiresAt: T0 + 90_000 }));
    assert.equal(store.expireOverdue(T0 + 5000), 1);
    assert.equal(store.get(overdue.id)!.status, 'expired');
    assert.equal(store.get(overdue.id)!.channel, 'timeout');
    assert.equal(store.get(open.id)!.status, 'pending');
  });
});

describe('approval store across processes', () => {
  it('gives each request to exactly one of two processes racing to decide it', async (t) => {
    const dir = tempDir(t, 'rampart-approvals-');
    const store = new ApprovalStore(dir);
    t.after(() => store.close());
    const ids = Array.from({ length: 200 }, () => store.create(sample()).id);
    const idsFile = path.join(dir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(ids));
    // Each child decides every id (one in order, one in reverse) and prints the ids it won.
    const script = `
      import { readFileSync } from 'node:fs';
      import { ApprovalStore } from ${JSON.stringify(pathToFileURL(STORE_MODULE).href)};
      const [dir, file, who, reverse] = process.argv.slice(1);
      const ids = JSON.parse(readFileSync(file, 'utf8'));
      if (reverse === 'reverse') ids.reverse();
      const store = new ApprovalStore(dir);
      const won = ids.filter((id) => store.decide(id, { approved: true, approver: who, channel: 'cli' }, ${T0 + 1}));
      store.close();
      process.stdout.write(JSON.stringify(won));
    `;
    const child = (who: string, order: string) =>
      run(process.execPath, ['--input-type=module', '-e', script, dir, idsFile, who, order]);
    const [a, b] = await Promise.all([child('cli:a', 'forward'), child('cli:b', 'reverse')]);
    const wonA = JSON.parse(a.stdout) as string[];
    const wonB = JSON.parse(b.stdout) as string[];
    assert.equal(wonA.length + wonB.length, ids.length);
    assert.deepEqual([...wonA, ...wonB].sort(), [...ids].sort());
    for (const id of wonA) assert.equal(store.get(id)!.approver, 'cli:a');
    for (const id of wonB) assert.equal(store.get(id)!.approver, 'cli:b');
  });
});
