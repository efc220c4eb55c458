// The Ed25519 key that signs checkpoints. It lives in the state directory, is created on first use with mode
// 0600, and is refused when other users can read it (as ssh does): whoever holds it can re-sign a rewritten log.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AuditError } from './audit-error.ts';
import { loadPrivateFile } from './private-file.ts';

export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
/** Written next to the private key for operators to hand to auditors; exports carry it too. */
export const PUBLIC_KEY_FILE = 'audit-signing-key.pub.pem';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SPKI PEM. */
  readonly publicKeyPem: string;
  /** First 16 hex digits of SHA-256 over the SPKI DER: names the key in checkpoints. */
  readonly keyId: string;
}

/** Loads the state directory's signing key, creating it atomically on first use. */
export function loadOrCreateSigningKey(stateDir: string): SigningKey {
  return loadSigningKey(stateDir, true);
}

/** The state directory's key without creating one (for the CLI: no key means no log to check). */
export function readSigningKey(stateDir: string): SigningKey {
  return loadSigningKey(stateDir, false);
}

function loadSigningKey(stateDir: string, createMissing: boolean): SigningKey {
  const file = path.join(stateDir, SIGNING_KEY_FILE);
  const { text: pem, created } = loadPrivateFile(stateDir, file, {
    createMissing,
    what: 'audit signing key',
    make: () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new AuditError('RAMPART_AUDIT_KEY_INVALID', `${file} is not a private key`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError('RAMPART_AUDIT_KEY_INVALID', `${file} is not an Ed25519 key`);
  }
  const publicKey = createPublicKey(privateKey);
  // Next to the private key for operators to hand to auditors.
  if (created) writeFileSync(path.join(stateDir, PUBLIC_KEY_FILE), pemOf(publicKey), { mode: 0o644 });
  return { privateKey, publicKey, publicKeyPem: pemOf(publicKey), keyId: keyIdOf(publicKey) };
}

/** Parses an SPKI PEM handed over with an export or proof; only Ed25519 is accepted. */
export function publicKeyFromPem(pem: string): { publicKey: KeyObject; keyId: string } {
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(pem);
  } catch (err) {
    throw new AuditError('RAMPART_AUDIT_BAD_INPUT', 'the public key is not a PEM public key', { cause: err });
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new AuditError('RAMPART_AUDIT_BAD_INPUT', 'the public key is not an Ed25519 key');
  }
  return { publicKey, keyId: keyIdOf(publicKey) };
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function pemOf(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
