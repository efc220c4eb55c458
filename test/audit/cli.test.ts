// `rampart audit verify | proof | export` against the state directory of a config, run as a separate process
// the way an operator runs them: exit codes 0 (fine), 1 (does not verify), 2 (usage or input).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openAuditLog } from '../../src/audit/open.ts';
import { appendSequentially, frozenClock, REPO, rawDb, tempDir } from './helpers.ts';

const run = promisify(execFile);
const ENTRY = `import { auditCommand } from ${JSON.stringify(path.join(REPO, 'src/cli/audit.ts'))};
process.exitCode = await auditCommand(process.argv.slice(1), undefined);`;

async function audit(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--input-type=module', '-e', ENTRY, '--', ...args],
      {
        cwd,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function project(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const config = path.join(dir, 'rampart.yaml');
  writeFileSync(config, 'stateDir: state\nservers:\n  - name: fs\n    command: node\n');
  const log = await openAuditLog(path.join(dir, 'state'), {
    now: frozenClock().now,
    checkpoints: { every: 4, intervalMs: 3_600_000 },
  });
  await appendSequentially(log, 10);
  const receipt = await log.append({ decision: 'config_changed', detail: { version: 2 } });
  await log.close();
  return { dir, config, state: path.join(dir, 'state'), id: receipt.id };
}

describe('rampart audit', () => {
  it('verify passes a sound log and names the first bad entry of a tampered one', async (t) => {
    const p = await project(t);
    const ok = await audit(p.dir, 'verify', '--config', p.config);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /OK: 11 entries chained/);

    const db = rawDb(p.state);
    db.exec('DELETE FROM audit_entries WHERE seq = 6');
    db.close();
    const bad = await audit(p.dir, 'verify', '--config', p.config, '--json');
    assert.equal(bad.code, 1);
    const report = JSON.parse(bad.stdout);
    assert.equal(report.problem.code, 'RAMPART_AUDIT_ENTRY_MISSING');
    assert.equal(report.problem.seq, 6);
  });

  it('export writes JSONL with checkpoints and key that verify --file accepts', async (t) => {
    const p = await project(t);
    const file = path.join(p.dir, 'audit.jsonl');
    const exported = await audit(p.dir, 'export', '--config', p.config, '--out', file);
    assert.equal(exported.code, 0, exported.stderr);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(JSON.parse(lines[0]!).type, 'header');
    assert.match(JSON.parse(lines[0]!).publicKey, /BEGIN PUBLIC KEY/);
    const checked = await audit(p.dir, 'verify', '--file', file, '--json');
    assert.equal(checked.code, 0, checked.stdout);
    assert.equal(JSON.parse(checked.stdout).verified, 11);

    writeFileSync(file, `${lines.slice(0, -3).join('\n')}\n`);
    const cut = await audit(p.dir, 'verify', '--file', file, '--json');
    assert.equal(cut.code, 1);
    assert.equal(JSON.parse(cut.stdout).problem.code, 'RAMPART_AUDIT_TRUNCATED');
    assert.equal(JSON.parse(cut.stdout).problem.seq, 9);
  });

  it('proof ID prints a bundle that verify --proof checks offline, pinned to the public key', async (t) => {
    const p = await project(t);
    const file = path.join(p.dir, 'proof.json');
    const made = await audit(p.dir, 'proof', p.id, '--config', p.config, '--out', file);
    assert.equal(made.code, 0, made.stderr);
    const key = path.join(p.state, 'audit-signing-key.pub.pem');
    const ok = await audit(p.dir, 'verify', '--proof', file, '--public-key', key);
    assert.equal(ok.code, 0, ok.stdout);
    assert.match(ok.stdout, /OK: entry 11/);

    const bundle = JSON.parse(readFileSync(file, 'utf8'));
    bundle.entry.event.detail.version = 3;
    writeFileSync(file, JSON.stringify(bundle));
    const bad = await audit(p.dir, 'verify', '--proof', file, '--public-key', key);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /RAMPART_AUDIT_PROOF_INVALID/);
  });

  it('answers usage and missing logs with exit code 2', async (t) => {
    const dir = tempDir(t);
    assert.equal((await audit(dir, 'frobnicate')).code, 2);
    assert.equal((await audit(dir, 'proof')).code, 2);
    const none = await audit(dir, 'verify');
    assert.equal(none.code, 2);
    assert.match(none.stderr, /RAMPART_AUDIT_NOT_FOUND/);
  });
});
