// The cryptography of erasable payloads.
//
// Each subject (issuer + subject of the principal) has random 32-byte key material; HKDF derives from it an
// AES-256-GCM key that encrypts their payloads and an HMAC key for the commitment the event keeps. The material is
// stored only wrapped (AES-256-GCM under the master key, bound to the key id and subject ref as AAD), so erasing
// the wrapped bytes makes every payload of that subject unreadable, and their commitments unverifiable.
//
// Why a keyed commitment and not SHA-256: payloads are often guessable (a path, an account number, a yes/no), and
// a plain hash of guessable personal data is itself personal data that would stay in the chain forever. HMAC under
// the subject's key binds the event to one exact plaintext (finding another with the same MAC is a SHA-256
// collision, even for someone holding the key) yet says nothing without the key, which erasure destroys.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { PayloadField, StoredSubjectKey } from '../store.ts';
import type { PayloadMasterKey } from './master-key.ts';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Who a payload belongs to; null for events without a principal (no authentication configured). */
export type SubjectId = { readonly issuer: string; readonly subject: string } | null;

/**
 * A subject key in memory: its stored (wrapped) form and the working keys derived from it. KeyObjects, because
 * handing node:crypto a Buffer imports the key anew on every call (about 10 µs per payload).
 */
export interface SubjectKey {
  readonly record: StoredSubjectKey;
  readonly encKey: KeyObject;
  readonly macKey: KeyObject;
}

/**
 * The pseudonymous reference of a subject: HMAC of (issuer, subject) under the master key's ref key. Events
 * without a principal share one "anonymous" subject: without authentication there is no identity to key by
 * (Rampart then listens on loopback only, for one local user), per-session keys would not cover stateless
 * requests and could never be named in an erasure request, so one key covers them (`erase --anonymous`).
 */
export function subjectRefOf(master: PayloadMasterKey, who: SubjectId): string {
  const input = who === null ? 'anonymous' : JSON.stringify([who.issuer, who.subject]);
  return createHmac('sha256', master.refKey).update(input).digest('hex');
}

/** A new random key for a subject, wrapped for storage. */
export function newSubjectKey(master: PayloadMasterKey, subjectRef: string, createdMs: number): SubjectKey {
  const keyId = randomBytes(12).toString('hex');
  const material = randomBytes(32);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.wrapKey, nonce);
  cipher.setAAD(wrapAad(keyId, subjectRef));
  const wrapped = Buffer.concat([nonce, cipher.update(material), cipher.final(), cipher.getAuthTag()]);
  const key = derive({ keyId, subjectRef, wrapped: new Uint8Array(wrapped), createdMs }, material);
  material.fill(0);
  return key;
}

/** Unwraps a stored key; throws if it was altered or belongs to another key id or subject. */
export function unwrapSubjectKey(master: PayloadMasterKey, record: StoredSubjectKey): SubjectKey {
  const wrapped = Buffer.from(record.wrapped.buffer, record.wrapped.byteOffset, record.wrapped.byteLength);
  if (wrapped.length !== NONCE_BYTES + 32 + TAG_BYTES) throw new Error('wrapped key has the wrong length');
  const decipher = createDecipheriv('aes-256-gcm', master.wrapKey, wrapped.subarray(0, NONCE_BYTES));
  decipher.setAAD(wrapAad(record.keyId, record.subjectRef));
  decipher.setAuthTag(wrapped.subarray(NONCE_BYTES + 32));
  const material = Buffer.concat([
    decipher.update(wrapped.subarray(NONCE_BYTES, NONCE_BYTES + 32)),
    decipher.final(),
  ]);
  const key = derive(record, material);
  material.fill(0);
  return key;
}

/** Encrypts one payload (its canonical JSON) for an event field; returns the ciphertext and the commitment. */
export function sealPayload(
  key: SubjectKey,
  eventId: string,
  field: PayloadField,
  plaintext: string,
): { nonce: Buffer; ciphertext: Buffer; mac: string } {
  const data = Buffer.from(plaintext, 'utf8');
  const mac = createHmac('sha256', key.macKey).update(data).digest('hex');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.encKey, nonce);
  cipher.setAAD(payloadAad(eventId, field, key.record.keyId));
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return { nonce, ciphertext, mac };
}

/**
 * Decrypts a payload. Throws when the ciphertext does not authenticate for exactly this event, field and key:
 * modified bytes and a ciphertext moved from another event or field fail alike (the AAD binds them).
 */
export function openPayload(
  key: SubjectKey,
  eventId: string,
  field: PayloadField,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
): Buffer {
  if (nonce.length !== NONCE_BYTES || ciphertext.length < TAG_BYTES) throw new Error('truncated ciphertext');
  const decipher = createDecipheriv('aes-256-gcm', key.encKey, nonce);
  decipher.setAAD(payloadAad(eventId, field, key.record.keyId));
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/** Whether a decrypted payload is the one the event committed to. */
export function matchesCommitment(key: SubjectKey, plaintext: Uint8Array, mac: string): boolean {
  const expected = createHmac('sha256', key.macKey).update(plaintext).digest();
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function derive(record: StoredSubjectKey, material: Uint8Array): SubjectKey {
  return {
    record,
    encKey: hkdfKey(material, 'rampart-audit/payload-enc'),
    macKey: hkdfKey(material, 'rampart-audit/payload-mac'),
  };
}

/** HKDF-SHA256 to a 32-byte secret KeyObject; the intermediate bytes are overwritten. */
export function hkdfKey(secret: Uint8Array, info: string): KeyObject {
  const bytes = new Uint8Array(hkdfSync('sha256', secret, new Uint8Array(0), info, 32));
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return key;
}

function wrapAad(keyId: string, subjectRef: string): Buffer {
  return Buffer.from(`rampart-audit-key/v1\n${keyId}\n${subjectRef}`);
}

function payloadAad(eventId: string, field: PayloadField, keyId: string): Buffer {
  return Buffer.from(`rampart-audit-payload/v1\n${eventId}\n${field}\n${keyId}`);
}
