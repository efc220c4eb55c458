// `rampart secrets`: values come from stdin or a named variable and are never printed or taken from argv; list
// shows names, kinds and versions only; rotate replaces a value or re-wraps under a new master key; rm deletes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { secretsCommand } from '../../src/cli/secrets.ts';
import { localKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { Vault } from '../../src/vault/vault.ts';

describe('rampart secrets', () => {
  let dir: string;
  let configFile: string;
  const key = randomBytes(32).toString('base64');
  const newKey = randomBytes(32).toString('hex');
  const env = { VAULT_KEY: key, NEW_VAULT_KEY: newKey, FROM_ENV: 'value-from-env-123' };
  const run = async (args: string[], stdin = '') => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await secretsCommand([...args, '--config', configFile], {
      out: (t) => out.push(t),
      err: (t) => err.push(t),
      env,
      stdin: async () => stdin,
    });
    return { code, out: out.join(''), err: err.join('') };
  };
  const values = async (keyText: string) => {
    const vault = Vault.open(path.join(dir, 'state'), localKeyWrapper(parseMasterKey(keyText, 'test')));
    try {
      return Object.fromEntries((await vault.live(0)).map((s) => [s.name, s.value]));
    } finally {
      vault.close();
    }
  };

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-secrets-cli-'));
    configFile = path.join(dir, 'rampart.yaml');
    writeFileSync(
      configFile,
      'stateDir: state\nvault: { masterKey: { env: VAULT_KEY } }\nservers: [{ name: a, command: node }]\n',
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('sets secrets from stdin and from a named variable, printing neither', async () => {
    const fromStdin = await run(['set', 'GITHUB_TOKEN'], 'ghp_fromstdin12345\n');
    assert.equal(fromStdin.code, 0, fromStdin.err);
    assert.equal(fromStdin.out, 'stored secret GITHUB_TOKEN (version 1)\n');
    const fromEnv = await run(['set', 'DB_PASSWORD', '--from-env', 'FROM_ENV']);
    assert.equal(fromEnv.code, 0, fromEnv.err);
    assert.deepEqual(await values(key), {
      DB_PASSWORD: 'value-from-env-123',
      GITHUB_TOKEN: 'ghp_fromstdin12345',
    });
  });

  it('never takes a value from the command line', async () => {
    const refused = await run(['set', 'X_TOKEN', 'ghp_onthecommandline']);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /never taken from the command line/);
  });

  it('makes a canary with --generate and prints it once', async () => {
    const made = await run(['set', 'AWS_BAIT', '--canary', '--generate']);
    assert.equal(made.code, 0, made.err);
    const [line, token] = made.out.trim().split('\n');
    assert.equal(line, 'stored canary AWS_BAIT (version 1)');
    assert.equal((await values(key))['AWS_BAIT'], token);
    assert.equal((await run(['set', 'NOT_BAIT', '--generate'])).code, 2);
  });

  it('lists names, kinds and versions, never values', async () => {
    const listed = await run(['list']);
    assert.equal(listed.code, 0);
    assert.match(listed.out, /GITHUB_TOKEN\s+secret\s+1/);
    assert.match(listed.out, /AWS_BAIT\s+canary\s+1/);
    const json = await run(['list', '--json']);
    const secrets = JSON.parse(json.out) as { name: string }[];
    assert.deepEqual(secrets.map((s) => s.name).sort(), ['AWS_BAIT', 'DB_PASSWORD', 'GITHUB_TOKEN']);
    for (const text of [listed.out, json.out]) {
      assert.ok(!text.includes('ghp_fromstdin12345') && !text.includes('value-from-env-123'));
    }
  });

  it('rotates a value, keeping the previous version listed', async () => {
    const rotated = await run(['rotate', 'GITHUB_TOKEN'], 'ghp_rotated987654\n');
    assert.equal(rotated.code, 0, rotated.err);
    assert.equal(rotated.out, 'rotated GITHUB_TOKEN to version 2\n');
    assert.equal((await values(key))['GITHUB_TOKEN'], 'ghp_rotated987654');
    assert.match((await run(['list'])).out, /GITHUB_TOKEN\s+secret\s+2\s+\S+\s+v1 retired/);
    const unknown = await run(['rotate', 'NOPE'], 'whatever-value-1');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /RAMPART_VAULT_SECRET_UNKNOWN/);
  });

  it('re-wraps the vault under a new master key', async () => {
    const rewrapped = await run(['rotate', '--master-key', '--new-key-env', 'NEW_VAULT_KEY']);
    assert.equal(rewrapped.code, 0, rewrapped.err);
    assert.match(rewrapped.out, /^re-wrapped 4 data key\(s\) with master key local:[0-9a-f]{16}/);
    assert.equal((await values(newKey))['GITHUB_TOKEN'], 'ghp_rotated987654');
    const stale = await run(['rotate', 'GITHUB_TOKEN'], 'ghp_another1234567\n');
    assert.equal(stale.code, 1);
    assert.match(stale.err, /RAMPART_VAULT_LOCKED/);
    writeFileSync(
      configFile,
      readFileSync(configFile, 'utf8').replace('env: VAULT_KEY', 'env: NEW_VAULT_KEY'),
    );
    assert.equal((await run(['rotate', 'GITHUB_TOKEN'], 'ghp_another1234567\n')).code, 0);
  });

  it('removes a secret', async () => {
    assert.equal((await run(['rm', 'DB_PASSWORD'])).code, 0);
    assert.equal((await run(['rm', 'DB_PASSWORD'])).code, 1);
    assert.doesNotMatch((await run(['list'])).out, /DB_PASSWORD/);
  });

  it('prints a new master key', async () => {
    const made = await run(['keygen']);
    assert.equal(made.code, 0);
    assert.equal(parseMasterKey(made.out, 'keygen').length, 32);
  });
});
