// `rampart policy validate|test|explain` as a user runs them: the real CLI in a child process, exit codes and
// output, and `explain` reading the audit log a real gateway wrote.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { NODE, REPO, startRampart } from '../helpers/rampart.ts';

const BUSINESS = path.join(REPO, 'test/fixtures/business-server.ts');

function rampart(...args: string[]) {
  const run = spawnSync(NODE, [path.join(REPO, 'src/cli/main.ts'), ...args], { encoding: 'utf8', cwd: REPO });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

const GOOD = `@id("lists")
permit(principal, action == Action::"list", resource);

@id("read-data")
permit(principal in Group::"readers", action == Action::"call", resource == Tool::"biz__read_file")
when { context.arguments has path && context.arguments.path like "/data/*" };
`;

describe('rampart policy', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-policy-cli-'));
    writeFileSync(path.join(dir, 'good.cedar'), GOOD);
    writeFileSync(
      path.join(dir, 'bad.cedar'),
      `${GOOD}\n@id("typo")\npermit(principal, action, resource) when { context.tme.hour > 9 };\n`,
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: ok for a valid set, file:line:col and exit 1 for an invalid one', () => {
    const ok = rampart('policy', 'validate', path.join(dir, 'good.cedar'));
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.out, /ok: 2 policies/);
    const bad = rampart('policy', 'validate', path.join(dir, 'bad.cedar'));
    assert.equal(bad.code, 1);
    // One problem, not one per action the policy applies to.
    assert.equal(bad.err.match(/policy typo/g)?.length, 1);
    assert.match(
      bad.err,
      new RegExp(`${path.join(dir, 'bad.cedar').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:9:44: policy typo`),
    );
  });

  it('serve refuses to start on an invalid policy file, naming file, line and column', () => {
    writeFileSync(
      path.join(dir, 'serve.yaml'),
      `stateDir: ${path.join(dir, 'serve-state')}\nlisten: { port: 0 }\npolicy:\n  files: [bad.cedar]\nservers:\n  - name: biz\n    command: ${NODE}\n    args: [${BUSINESS}]\n    sandbox: off\n`,
    );
    const run = rampart('serve', '--config', path.join(dir, 'serve.yaml'));
    assert.equal(run.code, 1);
    assert.match(run.err, /bad\.cedar:9:44: policy typo/);
  });

  it('validate --tools types the arguments: a misread declared argument fails', () => {
    writeFileSync(
      path.join(dir, 'tools.json'),
      JSON.stringify({
        tools: [
          { name: 'read_file', inputSchema: { type: 'object', properties: { path: { type: 'integer' } } } },
        ],
      }),
    );
    const run = rampart(
      'policy',
      'validate',
      path.join(dir, 'good.cedar'),
      '--tools',
      path.join(dir, 'tools.json'),
    );
    assert.equal(run.code, 1);
    assert.match(run.err, /good\.cedar:6:\d+: policy read-data/);
  });

  it('test: passes a matching table and fails (exit 1) on a mismatch', () => {
    const table = (expect: string) => `policies: [good.cedar]
tools:
  - server: biz
    name: read_file
    inputSchema: { type: object, properties: { path: { type: string } } }
cases:
  - name: readers read /data
    principal: { user: alice, groups: [readers] }
    action: call
    tool: biz__read_file
    arguments: { path: /data/a.txt }
    expect: allow
    policies: [read-data]
  - name: readers do not read /etc
    principal: { user: alice, groups: [readers] }
    action: call
    tool: biz__read_file
    arguments: { path: /etc/passwd }
    expect: ${expect}
  - name: anyone lists
    action: list
    catalog: tools
    expect: allow
`;
    writeFileSync(path.join(dir, 'pass.yaml'), table('deny'));
    const pass = rampart('policy', 'test', path.join(dir, 'pass.yaml'));
    assert.equal(pass.code, 0, pass.out + pass.err);
    assert.match(pass.out, /3 passed, 0 failed/);
    writeFileSync(path.join(dir, 'fail.yaml'), table('allow'));
    const fail = rampart('policy', 'test', path.join(dir, 'fail.yaml'));
    assert.equal(fail.code, 1);
    assert.match(fail.out, /FAIL {2}readers do not read \/etc: expected allow, got deny/);
    assert.match(fail.out, /2 passed, 1 failed/);
  });

  it('test: a malformed table is a usage error (exit 2) naming the key', () => {
    writeFileSync(
      path.join(dir, 'broken.yaml'),
      'policies: [good.cedar]\ncases:\n  - name: x\n    action: fly\n    expect: allow\n',
    );
    const run = rampart('policy', 'test', path.join(dir, 'broken.yaml'));
    assert.equal(run.code, 2);
    assert.match(run.err, /cases\.0\.action/);
  });

  it('explain: shows which policies decided a logged request', async () => {
    const stateDir = path.join(dir, 'state');
    const policyFile = path.join(dir, 'good.cedar');
    const gw = await startRampart({
      stateDir,
      servers: [{ name: 'biz', command: NODE, args: [BUSINESS] }],
      policy: { files: [policyFile] },
    });
    try {
      const client = new LegacyClient(gw.url);
      await client.initialize();
      // Anonymous (no auth): not in readers, so the call is refused by default.
      await client.request('tools/call', { name: 'biz__read_file', arguments: { path: '/data/x' } });
      await client.result('tools/list');
    } finally {
      await gw.stop();
    }
    writeFileSync(
      path.join(dir, 'rampart.yaml'),
      `stateDir: ${stateDir}\npolicy:\n  files: [${policyFile}]\nservers:\n  - name: biz\n    command: ${NODE}\n    args: [${BUSINESS}]\n    sandbox: off\n`,
    );
    const config = path.join(dir, 'rampart.yaml');
    const denied = rampart('policy', 'explain', '1', '--config', config, '--json');
    assert.equal(denied.code, 0, denied.err);
    const events = denied.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const call = events.find((e) => e['method'] === 'tools/call')!;
    assert.equal(call['decision'], 'denied');
    assert.equal(call['code'], 'RAMPART_POLICY_DENIED');
    assert.deepEqual(call['rules'], [{ rule: 'policy:default-deny' }]);
    const list = rampart('policy', 'explain', '2', '--config', config);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /policy:lists at .*good\.cedar:1/);
    assert.match(list.out, /permit\(principal, action == Action::"list", resource\);/);
    const unknown = rampart('policy', 'explain', 'no-such-id', '--config', config);
    assert.equal(unknown.code, 1);
  });
});
