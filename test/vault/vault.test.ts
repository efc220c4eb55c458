// The vault's operations: values are stored encrypted and never listed; names and values are validated; a rotation
// keeps the previous version for its retention and destroys older ones; re-wrapping moves the whole vault to a new
// master key. Time is a frozen clock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { localKeyWrapper } from '../../src/vault/master-key.ts';
import { sameValue, Vault } from '../../src/vault/vault.ts';

const code = (expected: string) => (err: unknown) => (err as { code?: string }).code === expected;
const HOUR = 3_600_000;

describe('vault operations', () => {
  let dir: string;
  let now: number;
  let vault: Vault;
  const key = localKeyWrapper(randomBytes(32));
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-vault-'));
    now = Date.UTC(2026, 0, 1);
    vault = Vault.open(dir, key, () => now);
  });
  afterEach(() => {
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores values encrypted in an owner-only file and lists names, versions and dates only', async () => {
    await vault.set('DB_PASSWORD', 'correct-horse-battery', 'secret');
    await vault.set('BAIT', 'AKIAFAKECANARY00001', 'canary');
    assert.equal(statSync(path.join(dir, 'vault.db')).mode & 0o777, 0o600);
    for (const file of readdirSync(dir)) {
      const bytes = readFileSync(path.join(dir, file));
      assert.ok(!bytes.includes(Buffer.from('correct-horse-battery')), `${file} holds no plaintext`);
    }
    const listed = vault.list();
    assert.deepEqual(
      listed.map((s) => [s.name, s.kind, s.version, s.createdAt, s.previous]),
      [
        ['BAIT', 'canary', 1, now, []],
        ['DB_PASSWORD', 'secret', 1, now, []],
      ],
    );
    assert.ok(!JSON.stringify(listed).includes('correct-horse-battery'));
  });

  it('refuses bad names, short values and a second set of the same name', async () => {
    await assert.rejects(
      vault.set('1BAD', 'long enough value', 'secret'),
      code('RAMPART_VAULT_SECRET_INVALID'),
    );
    await assert.rejects(
      vault.set('has space', 'long enough value', 'secret'),
      code('RAMPART_VAULT_SECRET_INVALID'),
    );
    await assert.rejects(vault.set('SHORT', 'short', 'secret'), code('RAMPART_VAULT_SECRET_INVALID'));
    await vault.set('TOKEN', 'first-value-123', 'secret');
    await assert.rejects(
      vault.set('TOKEN', 'second-value-123', 'secret'),
      code('RAMPART_VAULT_SECRET_INVALID'),
    );
  });

  it('rotates: the previous version stays live for its retention, then is destroyed', async () => {
    await vault.set('TOKEN', 'first-value-123', 'secret');
    now += HOUR;
    assert.equal(await vault.rotate('TOKEN', 'second-value-456', 2 * HOUR), 2);
    await assert.rejects(
      vault.rotate('TOKEN', 'second-value-456', 2 * HOUR),
      code('RAMPART_VAULT_SECRET_INVALID'),
    );
    await assert.rejects(vault.rotate('NOPE', 'whatever-value', HOUR), code('RAMPART_VAULT_SECRET_UNKNOWN'));
    let live = await vault.live(2 * HOUR);
    assert.deepEqual(
      live.map((s) => [s.version, s.current, s.value, s.expiresAt]),
      [
        [1, false, 'first-value-123', now + 2 * HOUR],
        [2, true, 'second-value-456', undefined],
      ],
    );
    assert.deepEqual(vault.list()[0]?.previous, [{ version: 1, retiredAt: now }]);
    now += 2 * HOUR;
    live = await vault.live(2 * HOUR);
    assert.deepEqual(
      live.map((s) => s.version),
      [2],
      'the retention ended',
    );
    // The next rotation destroys the record of version 1 (its retention is over).
    now += 1;
    await vault.rotate('TOKEN', 'third-value-789', 2 * HOUR);
    assert.deepEqual(
      vault.store.rows().map((r) => r.version),
      [2, 3],
    );
  });

  it('removes every version of a name', async () => {
    await vault.set('TOKEN', 'first-value-123', 'secret');
    await vault.rotate('TOKEN', 'second-value-456', HOUR);
    assert.equal(vault.remove('TOKEN'), true);
    assert.equal(vault.remove('TOKEN'), false);
    assert.deepEqual(vault.store.rows(), []);
  });

  it('bumps its revision on every write (what a running gateway polls)', async () => {
    const before = vault.revision();
    await vault.set('TOKEN', 'first-value-123', 'secret');
    await vault.rotate('TOKEN', 'second-value-456', HOUR);
    vault.remove('TOKEN');
    assert.equal(vault.revision(), before + 3);
  });

  it('re-wraps every data key under a new master key; the old key no longer opens it', async () => {
    await vault.set('A_TOKEN', 'first-value-123', 'secret');
    await vault.set('B_CANARY', 'canary-value-123', 'canary');
    const next = localKeyWrapper(randomBytes(32));
    assert.equal(await vault.rewrap(next), 2);
    await assert.rejects(vault.live(0), code('RAMPART_VAULT_LOCKED'));
    await assert.rejects(vault.set('C', 'another-value', 'secret'), code('RAMPART_VAULT_LOCKED'));
    const reopened = new Vault(vault.store, next, () => now);
    assert.deepEqual(
      (await reopened.live(0)).map((s) => s.value),
      ['first-value-123', 'canary-value-123'],
    );
  });

  it('needs the master key for anything but listing and removal', async () => {
    await vault.set('TOKEN', 'first-value-123', 'secret');
    const keyless = new Vault(vault.store, undefined);
    assert.equal(keyless.list().length, 1);
    await assert.rejects(keyless.live(0), code('RAMPART_VAULT_LOCKED'));
    await assert.rejects(keyless.rotate('TOKEN', 'second-value-456', 0), code('RAMPART_VAULT_LOCKED'));
  });

  it('compares values in constant time, by digest', () => {
    assert.equal(sameValue('abc-value-1', 'abc-value-1'), true);
    assert.equal(sameValue('abc-value-1', 'abc-value-12'), false);
  });
});
