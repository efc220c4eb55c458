// `rampart approvals list|approve|deny`, run as the real CLI in a child process against the state directory of a
// config: it lists what is held, flips a pending row, and a gateway holding the call sees the decision on its
// next poll. Exit codes: 0 done, 1 unknown / no longer pending / expired, 2 usage.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { approvalsCommand } from '../../src/cli/approvals.ts';
import { ApprovalBroker } from '../../src/policy/approvals/approval-broker.ts';
import { ApprovalStore, type NewApproval } from '../../src/policy/approvals/approval-store.ts';
import { REPO, tempDir } from '../audit/helpers.ts';
import { manualClock } from '../policy/approvals/manual-clock.ts';

const execFileAsync = promisify(execFile);
const MAIN = path.join(REPO, 'src/cli/main.ts');

async function rampart(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [MAIN, ...args], { cwd });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

function project(t: { after(fn: () => void): void }) {
  const dir = tempDir(t, 'rampart-approvals-cli-');
  const config = path.join(dir, 'rampart.yaml');
  writeFileSync(config, 'stateDir: state\nservers:\n  - name: pay\n    command: node\n');
  return { dir, config, stateDir: path.join(dir, 'state') };
}

function held(now: number, overrides: Partial<NewApproval> = {}): NewApproval {
  return {
    createdAt: now - 90_000,
    expiresAt: now + 210_000,
    mode: 'approver',
    requester: { issuer: 'https://idp.example', subject: 'alice', clientId: 'agent-app', agent: 'claude' },
    session: 'sess-1',
    server: 'pay',
    method: 'tools/call',
    name: 'pay__transfer',
    arguments: { amount: 5000 },
    policies: ['payments'],
    reason: 'Payments over 1000 need approval.',
    ...overrides,
  };
}

describe('rampart approvals', () => {
  it('lists pending approvals as a table and as JSON lines', async (t) => {
    const p = project(t);
    const store = new ApprovalStore(p.stateDir);
    const now = Date.now();
    const pending = store.create(held(now));
    const decided = store.create(held(now, { name: 'fs__delete', reason: 'Deleting needs approval.' }));
    store.decide(decided.id, { approved: false, approver: 'cli:root', channel: 'cli' }, now);
    store.create(held(now, { expiresAt: now - 1000, name: 'gone__tool' }));
    store.close();

    const table = await rampart(p.dir, 'approvals', 'list', '--config', p.config);
    assert.equal(table.code, 0, table.err);
    const lines = table.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^ID\s+AGE\s+EXPIRES IN\s+REQUESTER\s+TOOL\s+ARGS SHA256\s+REASON$/);
    assert.equal(lines.length, 2);
    assert.match(
      lines[1]!,
      new RegExp(
        `^${pending.id}\\s+\\d+s\\s+3m\\s+alice \\(claude\\)\\s+pay__transfer\\s+${pending.argumentsSha256.slice(0, 12)}\\s+Payments over 1000 need approval\\.$`,
      ),
    );

    const json = await rampart(p.dir, 'approvals', 'list', '--config', p.config, '--json');
    assert.equal(json.code, 0, json.err);
    const rows = json.out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      rows.map((r) => [r['id'], r['status'], r['name']]),
      [[pending.id, 'pending', 'pay__transfer']],
    );
    assert.deepEqual(rows[0]!['arguments'], { amount: 5000 });

    const all = await rampart(p.dir, 'approvals', 'list', '--config', p.config, '--json', '--all');
    const statuses = all.out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .map((r) => [r['name'], r['status']]);
    assert.deepEqual(statuses.sort(), [
      ['fs__delete', 'denied'],
      ['gone__tool', 'expired'],
      ['pay__transfer', 'pending'],
    ]);
    const allTable = await rampart(p.dir, 'approvals', 'list', '--config', p.config, '--all');
    assert.match(allTable.out.split('\n')[0]!, /^ID\s+STATUS\s+APPROVER\s+AGE/);
    assert.match(allTable.out, /denied\s+cli:root/);
  });

  it('approves a pending request, which the gateway holding it sees on its next poll', async (t) => {
    const p = project(t);
    const clock = manualClock(Date.now());
    const broker = ApprovalBroker.open(p.stateDir, { clock });
    t.after(() => broker.close());
    let id = '';
    const outcome = broker.request({
      principal: { issuer: 'https://idp.example', subject: 'alice' },
      sessionId: undefined,
      server: 'pay',
      method: 'tools/call',
      name: 'pay__transfer',
      arguments: { amount: 5000 },
      policies: ['payments'],
      reason: 'Payments over 1000 need approval.',
      mode: 'approver',
      timeoutMs: 300_000,
      signal: new AbortController().signal,
      onPending: (pending) => (id = pending),
    });
    const approve = await rampart(
      p.dir,
      'approvals',
      'approve',
      id,
      '--config',
      p.config,
      '--reason',
      'expected invoice',
      '--approver',
      'ops:carol',
    );
    assert.equal(approve.code, 0, approve.err);
    assert.match(approve.out, /approved/);
    const row = broker.get(id)!;
    assert.equal(row.status, 'approved');
    assert.equal(row.approver, 'ops:carol');
    assert.equal(row.decisionReason, 'expected invoice');
    assert.equal(row.channel, 'cli');
    clock.advance(250);
    assert.deepEqual(await outcome, {
      id,
      outcome: 'approved',
      approver: 'ops:carol',
      channel: 'cli',
      reason: 'expected invoice',
    });
    // Decided already: exit 1 and a message.
    const again = await rampart(p.dir, 'approvals', 'deny', id, '--config', p.config);
    assert.equal(again.code, 1);
    assert.match(again.err, /no longer pending/);
  });

  it('denies as cli:<os user> by default; unknown and expired ids exit 1', async (t) => {
    const p = project(t);
    const store = new ApprovalStore(p.stateDir);
    t.after(() => store.close());
    const now = Date.now();
    const pending = store.create(held(now));
    const expired = store.create(held(now, { expiresAt: now - 1 }));
    const deny = await rampart(p.dir, 'approvals', 'deny', pending.id, '--config', p.config);
    assert.equal(deny.code, 0, deny.err);
    const row = store.get(pending.id)!;
    assert.equal(row.status, 'denied');
    assert.match(row.approver!, /^cli:.+/);
    assert.equal(row.decisionReason, undefined);

    const late = await rampart(p.dir, 'approvals', 'approve', expired.id, '--config', p.config);
    assert.equal(late.code, 1);
    assert.match(late.err, /expired/);
    assert.equal(store.get(expired.id)!.status, 'pending');
    const unknown = await rampart(
      p.dir,
      'approvals',
      'approve',
      'AAAAAAAAAAAAAAAAAAAAAA',
      '--config',
      p.config,
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no approval/);
  });

  it('uses the demo state directory (./.rampart) without --config', async (t) => {
    const dir = tempDir(t, 'rampart-approvals-cli-');
    const empty = await rampart(dir, 'approvals', 'list');
    assert.equal(empty.code, 0);
    assert.equal(empty.out, 'no pending approvals\n');
    mkdirSync(path.join(dir, '.rampart'));
    const store = new ApprovalStore(path.join(dir, '.rampart'));
    const { id } = store.create(held(Date.now()));
    store.close();
    const list = await rampart(dir, 'approvals', 'list', '--json');
    assert.equal((JSON.parse(list.out) as Record<string, unknown>)['id'], id);
  });

  it('exits 2 on usage errors and is listed in the help', async (t) => {
    const p = project(t);
    for (const args of [
      [],
      ['purge'],
      ['approve'],
      ['approve', 'a', 'b'],
      ['list', 'extra'],
      ['list', '--reason', 'x'],
      ['deny', 'a', '--json'],
      ['approve', 'a', '--approver', ''],
      ['approve', 'a', '--reason', 'x'.repeat(2001)],
      ['list', '--bogus'],
    ]) {
      let err = '';
      const code = await approvalsCommand([...args, '--config', p.config], {
        out: () => {},
        err: (text) => {
          err += text;
        },
      });
      assert.equal(code, 2, args.join(' '));
      assert.match(err, /Usage: rampart approvals/);
    }
    const child = await rampart(p.dir, 'approvals', 'approve', '--config', p.config);
    assert.equal(child.code, 2);
    assert.match(child.err, /Usage: rampart approvals/);
    const help = await rampart(p.dir, '--help');
    assert.match(help.out, /approvals list\|approve\|deny/);
  });
});
