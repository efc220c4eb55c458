// Envelope encryption: a value opens only under its own name, version and kind, with the master key that wrapped its
// data key; re-wrapping moves the data key to another master key without touching the ciphertext.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { openValue, rewrapValue, sealValue } from '../../src/vault/envelope.ts';
import { localKeyWrapper } from '../../src/vault/master-key.ts';

const code = (expected: string) => (err: unknown) => (err as { code?: string }).code === expected;

describe('envelope encryption', () => {
  const key = localKeyWrapper(randomBytes(32));
  const ctx = { name: 'GITHUB_TOKEN', version: 1, kind: 'secret' } as const;

  it('round-trips a value and never stores it in the clear', async () => {
    const sealed = await sealValue(key, ctx, 'ghp_exampletoken123');
    assert.ok(!sealed.ciphertext.includes(Buffer.from('ghp_exampletoken123')));
    assert.equal(sealed.keyId, key.keyId);
    assert.equal(await openValue(key, ctx, sealed), 'ghp_exampletoken123');
  });

  it('uses a fresh data key and IV for every seal', async () => {
    const a = await sealValue(key, ctx, 'same value here');
    const b = await sealValue(key, ctx, 'same value here');
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
    assert.notDeepEqual(a.wrappedKey, b.wrappedKey);
  });

  it('refuses a record moved to another name, version or kind (RAMPART_VAULT_TAMPERED)', async () => {
    const sealed = await sealValue(key, ctx, 'ghp_exampletoken123');
    for (const other of [
      { ...ctx, name: 'OTHER' },
      { ...ctx, version: 2 },
      { ...ctx, kind: 'canary' as const },
    ]) {
      await assert.rejects(openValue(key, other, sealed), code('RAMPART_VAULT_TAMPERED'));
    }
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[flipped.length - 20]! ^= 1;
    await assert.rejects(
      openValue(key, ctx, { ...sealed, ciphertext: flipped }),
      code('RAMPART_VAULT_TAMPERED'),
    );
  });

  it('names a wrong master key instead of calling it tampering (RAMPART_VAULT_LOCKED)', async () => {
    const sealed = await sealValue(key, ctx, 'ghp_exampletoken123');
    await assert.rejects(
      openValue(localKeyWrapper(randomBytes(32)), ctx, sealed),
      code('RAMPART_VAULT_LOCKED'),
    );
  });

  it('re-wraps a data key under a new master key', async () => {
    const next = localKeyWrapper(randomBytes(32));
    const sealed = await sealValue(key, ctx, 'ghp_exampletoken123');
    const moved = await rewrapValue(key, next, ctx, sealed);
    assert.equal(moved.keyId, next.keyId);
    assert.deepEqual(moved.ciphertext, sealed.ciphertext);
    assert.equal(await openValue(next, ctx, moved), 'ghp_exampletoken123');
    await assert.rejects(openValue(key, ctx, moved), code('RAMPART_VAULT_LOCKED'));
  });
});
