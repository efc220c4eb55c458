// `rampart audit verify | proof | export | show | erase | purge` against the state directory of a config, run as
// a separate process the way an operator runs them: exit codes 0 (fine), 1 (does not verify), 2 (usage or input).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openAuditLog } from '../../src/audit/open.ts';
import { appendSequentially, eventOf, frozenClock, REPO, rawDb, tempDir } from './helpers.ts';

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

  it('erase makes payloads read "payload erased" while verify still passes; show checks payloads; purge', async (t) => {
    const dir = tempDir(t);
    const config = path.join(dir, 'rampart.yaml');
    writeFileSync(config, 'stateDir: state\nservers:\n  - name: fs\n    command: node\n');
    const state = path.join(dir, 'state');
    const log = await openAuditLog(state, { payloadMode: 'full', now: frozenClock().now });
    const alice = await log.append(eventOf('alice', 1));
    const bob = await log.append(eventOf('bob', 2));
    await log.close();

    const erased = await audit(
      dir,
      'erase',
      '--config',
      config,
      '--issuer',
      'https://idp.example',
      '--subject',
      'alice',
      '--reason',
      'ticket 7',
    );
    assert.equal(erased.code, 0, erased.stderr);
    assert.match(
      erased.stdout,
      /erased subject [0-9a-f]{64}: 1 keys destroyed, 1 payloads deleted; recorded as event/,
    );
    const verified = await audit(dir, 'verify', '--config', config);
    assert.equal(verified.code, 0, verified.stdout);
    assert.match(verified.stdout, /OK: 3 entries chained/);

    const shownAlice = await audit(dir, 'show', alice.id, '--config', config);
    assert.equal(shownAlice.code, 0, shownAlice.stderr);
    assert.equal(JSON.parse(shownAlice.stdout).payloads.arguments.message, 'payload erased');
    const shownBob = await audit(dir, 'show', bob.id, '--config', config, '--json');
    assert.equal(shownBob.code, 0, shownBob.stderr);
    assert.deepEqual(JSON.parse(shownBob.stdout).payloads.arguments.value, eventOf('bob', 2).arguments);
    const erasure = await audit(dir, 'show', '3', '--config', config);
    assert.equal(JSON.parse(erasure.stdout).decision, 'subject_erased');

    const db = rawDb(state);
    db.exec(`UPDATE audit_payloads SET result = zeroblob(length(result))`);
    db.close();
    const tampered = await audit(dir, 'show', bob.id, '--config', config);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /result: TAMPERED/);

    const dry = await audit(dir, 'purge', '--config', config, '--older-than-days', '0', '--dry-run');
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /would purge 1 payloads/);
    const purged = await audit(dir, 'purge', '--config', config, '--older-than-days', '0');
    assert.match(purged.stdout, /^purged 1 payloads/);
    assert.equal(
      JSON.parse((await audit(dir, 'show', bob.id, '--config', config)).stdout).payloads.result.status,
      'purged',
    );
    assert.equal(
      (await audit(dir, 'purge', '--config', config)).code,
      2,
      'no retention configured, none given',
    );
    assert.equal((await audit(dir, 'erase', '--config', config, '--subject', 'x')).code, 2);
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
