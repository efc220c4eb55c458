// Master key sources: an environment variable (base64 or hex), a file only its owner can read, or a key-management
// plug-in module; each failure is RAMPART_VAULT_LOCKED with the source named.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openValue, sealValue } from '../../src/vault/envelope.ts';
import { localKeyWrapper, openKeyWrapper, parseMasterKey } from '../../src/vault/master-key.ts';
import { REPO } from '../helpers/rampart.ts';

const locked = (err: unknown) => (err as { code?: string }).code === 'RAMPART_VAULT_LOCKED';
const ctx = { name: 'A', version: 1, kind: 'secret' } as const;

describe('master key sources', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rampart-master-key-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads base64 and hex keys from an environment variable, as the same key', async () => {
    const raw = randomBytes(32);
    const b64 = await openKeyWrapper({ env: 'K' }, dir, { K: raw.toString('base64') });
    const hex = await openKeyWrapper({ env: 'K' }, dir, { K: raw.toString('hex') });
    assert.equal(b64.keyId, hex.keyId);
    assert.match(b64.keyId, /^local:[0-9a-f]{16}$/);
    assert.ok(!b64.keyId.includes(raw.toString('hex').slice(0, 16)), 'the key id is not the key');
  });

  it('refuses an unset variable and a key of the wrong size', async () => {
    await assert.rejects(openKeyWrapper({ env: 'K' }, dir, {}), locked);
    await assert.rejects(
      openKeyWrapper({ env: 'K' }, dir, { K: randomBytes(16).toString('base64') }),
      locked,
    );
    assert.throws(() => parseMasterKey('not a key at all', 'test'), locked);
  });

  it('reads a key file only when nobody but its owner can read it', async () => {
    const file = path.join(dir, 'master.key');
    const raw = randomBytes(32);
    writeFileSync(file, `${raw.toString('base64')}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    await assert.rejects(openKeyWrapper({ file: 'master.key' }, dir), locked);
    chmodSync(file, 0o600);
    const wrapper = await openKeyWrapper({ file: 'master.key' }, dir);
    assert.equal(wrapper.keyId, localKeyWrapper(raw).keyId);
    chmodSync(file, 0o400);
    assert.equal((await openKeyWrapper({ file: file }, '/')).keyId, wrapper.keyId);
    await assert.rejects(openKeyWrapper({ file: 'missing.key' }, dir), locked);
  });

  it('wraps data keys through a key-management plug-in', async () => {
    const plugin = path.join(REPO, 'test/fixtures/vault-kms-plugin.ts');
    const kms = await openKeyWrapper({ plugin, options: { seed: 'ring-1' } }, dir);
    assert.equal(kms.keyId, 'plugin:fixture-kms/ring-1');
    const sealed = await sealValue(kms, ctx, 'a value wrapped by the KMS');
    assert.equal(await openValue(kms, ctx, sealed), 'a value wrapped by the KMS');
    // The plug-in's unwrap fails on a data key bound to another context: refused, not passed through.
    await assert.rejects(openValue(kms, { ...ctx, version: 2 }, sealed), locked);
  });

  it('refuses a plug-in that cannot be loaded or lacks the interface', async () => {
    await assert.rejects(openKeyWrapper({ plugin: 'nope.ts', options: {} }, dir), locked);
    const bad = path.join(dir, 'bad-plugin.mjs');
    writeFileSync(bad, 'export const keyId = "x";\n');
    await assert.rejects(openKeyWrapper({ plugin: bad, options: {} }, dir), locked);
  });
});
