// The payload master key lives in the state directory with mode 0600, is created once (concurrent creators agree),
// and is refused when other users can read it or it is not a key; subject keys wrapped under another master key
// are never used.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openAuditLog } from '../../src/audit/open.ts';
import { PayloadKeyring } from '../../src/audit/privacy/keyring.ts';
import {
  loadOrCreateMasterKey,
  MASTER_KEY_FILE,
  masterKeyFrom,
  readMasterKey,
} from '../../src/audit/privacy/master-key.ts';
import { newSubjectKey, subjectRefOf } from '../../src/audit/privacy/payload-crypto.ts';
import { tempDir } from './helpers.ts';

describe('payload master key', () => {
  it('is created on first use with mode 0600 and read back the same', async (t) => {
    const dir = tempDir(t);
    assert.throws(() => readMasterKey(dir), { code: 'RAMPART_AUDIT_NOT_FOUND' });
    const log = await openAuditLog(dir);
    await log.close();
    const file = path.join(dir, MASTER_KEY_FILE);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const a = loadOrCreateMasterKey(dir);
    const b = readMasterKey(dir);
    assert.equal(
      subjectRefOf(a, { issuer: 'i', subject: 's' }),
      subjectRefOf(b, { issuer: 'i', subject: 's' }),
    );
    assert.notEqual(subjectRefOf(a, { issuer: 'i', subject: 's' }), subjectRefOf(a, null));
  });

  it('is refused when other users can read it, or when it is not a key', async (t) => {
    const dir = tempDir(t);
    loadOrCreateMasterKey(dir);
    const file = path.join(dir, MASTER_KEY_FILE);
    chmodSync(file, 0o644);
    await assert.rejects(openAuditLog(dir), { code: 'RAMPART_AUDIT_KEY_INVALID' });
    writeFileSync(file, 'not a key\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    assert.throws(() => readMasterKey(dir), { code: 'RAMPART_AUDIT_KEY_INVALID' });
  });

  it('never uses a subject key that does not unwrap under it: the subject gets a new key', () => {
    const other = masterKeyFrom(randomBytes(32));
    const mine = masterKeyFrom(randomBytes(32));
    const who = { issuer: 'https://idp', subject: 'alice', client: null, agent: null };
    const foreign = newSubjectKey(other, subjectRefOf(mine, who), 1).record;
    const keyring = new PayloadKeyring(mine, [foreign]);
    const { commitment } = keyring.seal(who, 'id', 'arguments', '{}', 2);
    assert.notEqual(commitment.key, foreign.keyId);
    assert.deepEqual(keyring.unusable, [foreign.keyId]);
  });
});
