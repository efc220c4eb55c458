// `rampart config history|diff|rollback|propose|approve|reject`, run as the real CLI in child processes against
// a temporary project (config file, policy file, state directory), with versions recorded by real
// `rampart serve` starts. Exit codes: 0 done, 1 refused, 2 usage.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { configCommand } from '../../src/cli/config-versions.ts';
import { REPO } from '../audit/helpers.ts';
import { FORBID_DELETE, PERMIT_ALL, type Project, project, TWO_PERSON_RULE } from '../changes/helpers.ts';

const execFileAsync = promisify(execFile);
const MAIN = path.join(REPO, 'src/cli/main.ts');

interface Run {
  code: number;
  out: string;
  err: string;
}

async function rampart(p: Project, author: string, ...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [MAIN, ...args], {
      cwd: p.dir,
      env: { ...process.env, RAMPART_AUTHOR: author },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const failed = e as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

/**
 * `rampart serve` until it says it listens (bounded), then SIGTERM (which may arrive before its own handler is
 * installed); resolves to whether it started, its exit code and stderr.
 */
function serveOnce(
  p: Project,
  author: string,
): Promise<{ started: boolean; code: number | null; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', p.config], {
      cwd: p.dir,
      env: { ...process.env, RAMPART_AUTHOR: author },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`rampart serve did not start within 20 s: ${err}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Rampart is listening')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ started: out.includes('Rampart is listening'), code, err });
    });
  });
}

interface HistoryRow {
  version: number;
  author: string;
  status: string;
  sha256: string;
  message: string;
  derivedFrom: number | null;
  bootstrap: boolean;
  approvals: { approver: string; time: string; reason: string | null; inheritedFrom: number | null }[];
  files: { path: string; role: string; sha256: string }[];
}

async function historyOf(p: Project): Promise<HistoryRow[]> {
  const run = await rampart(p, 'anyone', 'config', 'history', '--json', '--config', p.config);
  assert.equal(run.code, 0, run.err);
  return run.out
    .trimEnd()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HistoryRow);
}

describe('rampart config', () => {
  it('lists the history of versions recorded by starts and proposals', async (t) => {
    const p = project(t);
    assert.equal((await serveOnce(p, 'alice')).started, true);
    p.writePolicy(FORBID_DELETE);
    assert.equal((await serveOnce(p, 'bob')).started, true);
    p.writeConfig('rateLimits: []\n');
    const proposed = await rampart(
      p,
      'carol',
      'config',
      'propose',
      '--config',
      p.config,
      '-m',
      'no rate limits',
    );
    assert.equal(proposed.code, 0, proposed.err);
    const again = await rampart(p, 'carol', 'config', 'propose', '--config', p.config);
    assert.equal(again.code, 0, 'proposing the same files again adds nothing');
    const approved = await rampart(
      p,
      'dave',
      'config',
      'approve',
      '3',
      '--approver',
      'dave',
      '--reason',
      'ok',
      '--config',
      p.config,
    );
    assert.equal(approved.code, 0, approved.err);

    const rows = await historyOf(p);
    assert.deepEqual(
      rows.map((r) => [r.version, r.author, r.status, r.derivedFrom, r.bootstrap, r.message]),
      [
        [1, 'alice', 'superseded', null, true, 'recorded at start'],
        [2, 'bob', 'active', 1, false, 'recorded at start'],
        [3, 'carol', 'approved', 2, false, 'no rate limits'],
      ],
    );
    assert.deepEqual(rows[2]!.approvals, [
      { approver: 'dave', time: rows[2]!.approvals[0]!.time, reason: 'ok', inheritedFrom: null },
    ]);
    assert.deepEqual(
      rows[0]!.files.map((f) => [f.path, f.role]),
      [
        ['rampart.yaml', 'config'],
        ['policies/main.cedar', 'policy'],
      ],
    );
    assert.match(rows[0]!.sha256, /^[0-9a-f]{64}$/);

    const table = await rampart(p, 'anyone', 'config', 'history', '--config', p.config);
    assert.equal(table.code, 0, table.err);
    const lines = table.out.trimEnd().split('\n');
    assert.match(lines[0]!, /^VERSION\s+TIME\s+AUTHOR\s+STATUS\s+SHA256\s+FROM\s+APPROVERS\s+MESSAGE$/);
    assert.match(
      lines[1]!,
      new RegExp(
        `^1\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\s+alice\\s+superseded\\s+${rows[0]!.sha256.slice(0, 12)}\\s+-\\s+\\(bootstrap\\)\\s+recorded at start$`,
      ),
    );
    assert.match(lines[3]!, /^3\s+\S+\s+carol\s+approved\s+[0-9a-f]{12}\s+2\s+dave\s+no rate limits$/);
  });

  it('prints a unified diff between two versions, and between a version and the files on disk', async (t) => {
    const p = project(t);
    assert.equal((await rampart(p, 'alice', 'config', 'propose', '--config', p.config)).code, 0);
    p.writePolicy(`${PERMIT_ALL}${FORBID_DELETE}`);
    assert.equal((await rampart(p, 'alice', 'config', 'propose', '--config', p.config)).code, 0);
    const between = await rampart(p, 'alice', 'config', 'diff', '1', '2', '--config', p.config);
    assert.equal(between.code, 0, between.err);
    assert.equal(
      between.out,
      [
        '--- a/policies/main.cedar (version 1)',
        '+++ b/policies/main.cedar (version 2)',
        '@@ -1,2 +1,4 @@',
        ' @id("all")',
        ' permit(principal, action, resource);',
        '+@id("no-delete")',
        '+forbid(principal, action == Action::"call", resource) when { resource.name like "*delete*" };',
        '',
      ].join('\n'),
    );
    p.writeConfig('rateLimits: []\n');
    const onDisk = await rampart(p, 'alice', 'config', 'diff', '2', '--config', p.config);
    assert.equal(onDisk.code, 0, onDisk.err);
    const serverLine = readFileSync(p.config, 'utf8').split('\n')[4]!;
    assert.equal(
      onDisk.out,
      [
        '--- a/rampart.yaml (version 2)',
        '+++ b/rampart.yaml (on disk)',
        '@@ -5,3 +5,4 @@',
        ` ${serverLine}`,
        ' policy:',
        '   files: [policies/main.cedar]',
        '+rateLimits: []',
        '',
      ].join('\n'),
    );
    const same = await rampart(p, 'alice', 'config', 'diff', '2', '2', '--config', p.config);
    assert.deepEqual([same.code, same.out], [0, '']);
  });

  it('rolls back: the files become byte-identical to the old version and a new version is recorded', async (t) => {
    const p = project(t);
    assert.equal((await serveOnce(p, 'alice')).started, true);
    const oldConfig = readFileSync(p.config);
    const oldPolicy = readFileSync(p.policy);
    p.writeConfig('rateLimits: []\n');
    p.writePolicy(FORBID_DELETE);
    assert.equal((await serveOnce(p, 'alice')).started, true);

    const back = await rampart(p, 'bob', 'config', 'rollback', '1', '--config', p.config);
    assert.equal(back.code, 0, back.err);
    assert.deepEqual(readFileSync(p.config), oldConfig);
    assert.deepEqual(readFileSync(p.policy), oldPolicy);
    assert.match(back.out, /restart the gateway/);
    const rows = await historyOf(p);
    assert.deepEqual(
      rows.map((r) => [r.version, r.author, r.status, r.derivedFrom, r.message]),
      [
        [1, 'alice', 'superseded', null, 'recorded at start'],
        [2, 'alice', 'active', 1, 'recorded at start'],
        [3, 'bob', 'proposed', 1, 'rollback to 1'],
      ],
    );
    assert.equal(rows[2]!.sha256, rows[0]!.sha256);
    // The next start runs the restored files as the rollback version itself.
    assert.equal((await serveOnce(p, 'bob')).started, true);
    assert.deepEqual(
      (await historyOf(p)).map((r) => [r.version, r.status]),
      [
        [1, 'superseded'],
        [2, 'superseded'],
        [3, 'active'],
      ],
    );
  });

  it('enforces the two-person rule: self-approval refused, another approver accepted, serve refused until then', async (t) => {
    const p = project(t, TWO_PERSON_RULE);
    assert.equal((await serveOnce(p, 'alice')).started, true, 'the first version starts (bootstrap)');
    p.writePolicy(FORBID_DELETE);
    const proposed = await rampart(p, 'alice', 'config', 'propose', '--config', p.config);
    assert.equal(proposed.code, 0, proposed.err);

    const refused = await serveOnce(p, 'alice');
    assert.deepEqual([refused.started, refused.code], [false, 1]);
    assert.match(refused.err, /rampart config approve 2 /, 'the refusal names the version to approve');

    const self = await rampart(p, 'x', 'config', 'approve', '2', '--approver', 'ALICE', '--config', p.config);
    assert.equal(self.code, 1);
    assert.match(self.err, /\[RAMPART_CHANGE_SELF_APPROVAL\]/);
    const other = await rampart(p, 'x', 'config', 'approve', '2', '--approver', 'bob', '--config', p.config);
    assert.equal(other.code, 0, other.err);
    assert.equal((await serveOnce(p, 'alice')).started, true);
    assert.deepEqual(
      (await historyOf(p)).map((r) => [r.version, r.status, r.approvals.map((a) => a.approver)]),
      [
        [1, 'superseded', []],
        [2, 'active', ['bob']],
      ],
    );

    // Rolling back to the bootstrap version needs a second person; back to 2 carries bob's approval over.
    const toFirst = await rampart(p, 'alice', 'config', 'rollback', '1', '--config', p.config);
    assert.equal(toFirst.code, 0, toFirst.err);
    assert.match(toFirst.out, /recorded version 3 \(proposed\)/);
    const rejected = await rampart(p, 'bob', 'config', 'reject', '3', '--config', p.config);
    assert.equal(rejected.code, 0, rejected.err);
    const toSecond = await rampart(p, 'alice', 'config', 'rollback', '2', '--config', p.config);
    assert.equal(toSecond.code, 0, toSecond.err);
    const rows = await historyOf(p);
    assert.deepEqual(
      rows.map((r) => [r.version, r.status, r.approvals.map((a) => [a.approver, a.inheritedFrom])]),
      [
        [1, 'superseded', []],
        [2, 'active', [['bob', null]]],
        [3, 'rejected', []],
      ],
      'the files are version 2 again, the active one: no new version',
    );
  });

  it('refuses bad input with stable codes and usage errors', async (t) => {
    const p = project(t);
    assert.equal((await rampart(p, 'a', 'config', 'propose', '--config', p.config)).code, 0);
    const unknown = await rampart(p, 'a', 'config', 'approve', '7', '--approver', 'b', '--config', p.config);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /\[RAMPART_CHANGE_UNKNOWN_VERSION\]/);
    const active = await rampart(p, 'a', 'config', 'reject', '1', '--config', p.config);
    assert.equal(active.code, 0, 'a proposed version can be rejected');
    const twice = await rampart(p, 'a', 'config', 'reject', '1', '--config', p.config);
    assert.match(twice.err, /\[RAMPART_CHANGE_WRONG_STATUS\]/);
    // Usage errors never reach the state directory: checked in-process, quicker than a process each.
    for (const args of [
      ['approve', '1'],
      ['diff'],
      ['rollback', 'x1'],
      ['history', '--approver', 'b'],
      ['frobnicate'],
      [],
    ]) {
      const code = await configCommand([...args, '--config', p.config], {
        out: () => undefined,
        err: () => undefined,
      });
      assert.equal(code, 2, args.join(' '));
    }
  });
});
