// The running gateway's view of the vault: opened only when there is a vault or a reference, reloaded when another
// process changed it, and a rotated-out value stays redacted exactly until its retention ends (frozen clock).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { vaultSchema } from '../../src/config/vault-schema.ts';
import { createLogger } from '../../src/monitor/logger.ts';
import { LiveVault } from '../../src/vault/live-vault.ts';
import { localKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { Vault } from '../../src/vault/vault.ts';
import { VaultStore } from '../../src/vault/vault-store.ts';

const KEY_ENV = 'RAMPART_LIVE_VAULT_TEST_KEY';
const code = (expected: string) => (err: unknown) => (err as { code?: string }).code === expected;

describe('the live vault', () => {
  let dir: string;
  let now: number;
  let live: LiveVault;
  let changed: string[][];
  const key = randomBytes(32).toString('base64');
  const writer = () => Vault.open(dir, localKeyWrapper(parseMasterKey(key, 'test')), () => now);
  const open = () =>
    new LiveVault({
      config: vaultSchema.parse({ masterKey: { env: KEY_ENV }, retainPreviousMs: 1000 }),
      stateDir: dir,
      baseDir: dir,
      log: createLogger('silent'),
      now: () => now,
      onChange: (names) => changed.push([...names]),
    });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-live-vault-'));
    process.env[KEY_ENV] = key;
    now = 1_000_000;
    changed = [];
    live = open();
  });
  afterEach(() => {
    live.close();
    delete process.env[KEY_ENV];
    rmSync(dir, { recursive: true, force: true });
  });

  it('stays inactive without a vault or a reference (and creates none)', async () => {
    delete process.env[KEY_ENV];
    await live.open([]);
    assert.equal(live.active, false);
    assert.equal(VaultStore.exists(dir), false);
    assert.equal(live.redact('anything'), 'anything');
  });

  it('picks up a rotation made by another writer and keeps redacting the old value until its retention ends', async () => {
    const w = writer();
    await w.set('TOKEN', 'first-value-123', 'secret');
    await live.open([{ path: 'servers[0].env.T', name: 'TOKEN' }]);
    assert.equal(live.value('TOKEN'), 'first-value-123');
    await w.rotate('TOKEN', 'second-value-456', 1000);
    w.close();
    assert.equal(live.value('TOKEN'), 'first-value-123', 'not before the next refresh');
    await live.refresh();
    assert.equal(live.value('TOKEN'), 'second-value-456');
    assert.deepEqual(changed, [['TOKEN']]);
    assert.equal(live.redact('first-value-123 second-value-456'), '[REDACTED:TOKEN] [REDACTED:TOKEN]');
    now += 999;
    await live.refresh();
    assert.equal(live.redact('first-value-123'), '[REDACTED:TOKEN]');
    now += 1;
    await live.refresh();
    assert.equal(live.redact('first-value-123'), 'first-value-123', 'the retention ended');
    assert.equal(live.redact('second-value-456'), '[REDACTED:TOKEN]');
  });

  it('refuses to open an existing vault without its key, and resolves no canary or unknown name', async () => {
    const w = writer();
    await w.set('BAIT', 'canary-value-123', 'canary');
    w.close();
    delete process.env[KEY_ENV];
    await assert.rejects(open().open([]), code('RAMPART_VAULT_LOCKED'));
    process.env[KEY_ENV] = key;
    await live.open([]);
    assert.throws(() => live.value('BAIT'), code('RAMPART_VAULT_SECRET_UNKNOWN'));
    assert.throws(() => live.value('NONE'), code('RAMPART_VAULT_SECRET_UNKNOWN'));
    assert.deepEqual(live.findDeep({ x: 'canary-value-123' }).canaries, ['BAIT']);
  });
});
