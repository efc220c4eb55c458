// The payload master key: 32 random bytes in the state directory (`audit-payload-master.key`, mode 0600, created on
// first use, refused when other users can read it, like the signing key). It never encrypts a payload itself. Two
// keys are derived from it: one wraps the per-subject keys, so that a copy of audit.db alone reveals nothing, and
// one keys the HMAC that turns (issuer, subject) into the pseudonymous `subject_ref` of the key table.
//
// Losing this file makes every stored payload unreadable (the chain still verifies). Back it up apart from
// audit.db; a backup of both is a copy that an erasure cannot reach.
import { type KeyObject, randomBytes } from 'node:crypto';
import path from 'node:path';
import { AuditError } from '../audit-error.ts';
import { loadPrivateFile } from '../private-file.ts';
import { hkdfKey } from './payload-crypto.ts';

export const MASTER_KEY_FILE = 'audit-payload-master.key';

const FORMAT = 'rampart-audit-payload-master/1';

export interface PayloadMasterKey {
  /** AES-256-GCM key that wraps subject keys. */
  readonly wrapKey: KeyObject;
  /** HMAC-SHA256 key of subject refs. */
  readonly refKey: KeyObject;
}

/** Loads the state directory's master key, creating it atomically on first use. */
export function loadOrCreateMasterKey(stateDir: string): PayloadMasterKey {
  return load(stateDir, true);
}

/** The master key without creating one (for `rampart audit show`: no key means no payload was ever stored). */
export function readMasterKey(stateDir: string): PayloadMasterKey {
  return load(stateDir, false);
}

/** Derives the working keys from the 32 secret bytes (exported for tests). */
export function masterKeyFrom(secret: Uint8Array): PayloadMasterKey {
  return {
    wrapKey: hkdfKey(secret, 'rampart-audit/key-wrap'),
    refKey: hkdfKey(secret, 'rampart-audit/subject-ref'),
  };
}

function load(stateDir: string, createMissing: boolean): PayloadMasterKey {
  const file = path.join(stateDir, MASTER_KEY_FILE);
  const { text } = loadPrivateFile(stateDir, file, {
    createMissing,
    what: 'payload master key',
    make: () => `${FORMAT} ${randomBytes(32).toString('base64')}\n`,
  });
  const [format, encoded] = text.trim().split(/\s+/);
  const secret = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
  if (format !== FORMAT || !secret || secret.length !== 32) {
    throw new AuditError('RAMPART_AUDIT_KEY_INVALID', `${file} is not a ${FORMAT} key`);
  }
  const master = masterKeyFrom(secret);
  secret.fill(0);
  return master;
}
