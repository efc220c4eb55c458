// Ed25519 detached signatures over a manifest's exact bytes. The signature file is the 64-byte signature in
// base64 on one line; keys are PEM files (SPKI public, PKCS#8 private). A key is named by its key id, the hex
// SHA-256 of its SPKI DER, which is what an operator compares with what the publisher announced.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { failure, failureFrom, ManifestError, type ManifestFailure } from './manifest-error.ts';

export interface Ed25519Verified {
  readonly ok: true;
  /** Key id of the trusted key that verified the signature. */
  readonly keyId: string;
}

const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;
const PUBLIC_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----\s*$/;
const PRIVATE_PEM = /^-----BEGIN PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PRIVATE KEY-----\s*$/;

/** A fresh Ed25519 key pair as PEM: PKCS#8 private, SPKI public. */
export function generateManifestKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** Hex SHA-256 of the key's SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex');
}

/** An Ed25519 public key from SPKI PEM; `label` (a file name) goes into the error. */
export function loadPublicKey(pem: string, label = 'public key'): KeyObject {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    throw keyError(`${label} is a private key; configure the publisher's public key (.pub) instead`);
  }
  if (!PUBLIC_PEM.test(pem.trimStart())) throw keyError(`${label} is not a PEM "PUBLIC KEY" (SPKI) file`);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw keyError(`${label} cannot be parsed as a public key`);
  }
  return requireEd25519(key, label);
}

/** An Ed25519 private key from PKCS#8 PEM (unencrypted). */
export function loadPrivateKey(pem: string, label = 'private key'): KeyObject {
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----')) {
    throw keyError(`${label} is encrypted; rampart needs an unencrypted PKCS#8 key`);
  }
  if (!PRIVATE_PEM.test(pem.trimStart())) throw keyError(`${label} is not a PEM "PRIVATE KEY" (PKCS#8) file`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw keyError(`${label} cannot be parsed as a private key`);
  }
  return requireEd25519(key, label);
}

/** The detached signature file's text (base64 and a newline) for `bytes`. */
export function signManifest(bytes: Uint8Array, privateKeyPem: string): string {
  const key = loadPrivateKey(privateKeyPem);
  return `${sign(null, bytes, key).toString('base64')}\n`;
}

/**
 * Verifies a detached signature against trusted public keys (PEM); succeeds with the id of the key that
 * verified. A malformed key is a failure too: a configuration that names one is broken, not partly trusted.
 */
export function verifyEd25519(
  bytes: Uint8Array,
  signature: string,
  trustedPublicKeys: readonly string[],
): Ed25519Verified | ManifestFailure {
  let keys: KeyObject[];
  try {
    keys = trustedPublicKeys.map((pem, i) => loadPublicKey(pem, `publisher key #${i + 1}`));
  } catch (err) {
    return failureFrom(err);
  }
  if (keys.length === 0) return failure('RAMPART_MANIFEST_KEY_INVALID', 'no trusted publisher keys given');
  const text = signature.trim();
  if (!SIGNATURE.test(text)) {
    return failure('RAMPART_MANIFEST_SIGNATURE', 'the signature file is not one base64 Ed25519 signature');
  }
  const raw = Buffer.from(text, 'base64');
  for (const key of keys) {
    if (verify(null, bytes, key, raw)) return { ok: true, keyId: keyIdOf(key) };
  }
  return failure(
    'RAMPART_MANIFEST_SIGNATURE',
    `the signature does not verify under ${keys.length === 1 ? 'the trusted key' : `any of the ${keys.length} trusted keys`} (${keys.map((k) => shortKeyId(keyIdOf(k))).join(', ')}): the manifest was changed or signed with another key`,
  );
}

/** The first 16 hex digits of a key id, for display. */
export function shortKeyId(keyId: string): string {
  return keyId.slice(0, 16);
}

function requireEd25519(key: KeyObject, label: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw keyError(
      `${label} is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; manifests are signed with Ed25519 only`,
    );
  }
  return key;
}

function keyError(reason: string): ManifestError {
  return new ManifestError('RAMPART_MANIFEST_KEY_INVALID', reason);
}
