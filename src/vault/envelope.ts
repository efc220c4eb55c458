// Envelope encryption of one secret version: a fresh random 256-bit data key encrypts the value with AES-256-GCM
// (random 96-bit IV); the data key itself is wrapped by the master key (a KeyWrapper). Both layers authenticate the
// secret's name, version and kind as associated data, so a record copied onto another name or version, or a canary
// relabelled as a secret, fails to open instead of silently becoming something else.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { RampartError } from '../errors.ts';
import type { KeyWrapper } from './master-key.ts';

export type SecretKind = 'secret' | 'canary';

/** What a sealed version is bound to. */
export interface SecretContext {
  readonly name: string;
  readonly version: number;
  readonly kind: SecretKind;
}

export interface SealedValue {
  /** The key id of the master key that wrapped `wrappedKey`. */
  readonly keyId: string;
  readonly wrappedKey: Buffer;
  /** IV (12) | ciphertext | tag (16). */
  readonly ciphertext: Buffer;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The associated data of a version's value, or of its wrapped data key. */
export function contextAad(layer: 'value' | 'data-key', ctx: SecretContext): Buffer {
  return Buffer.from(`rampart-vault/v1/${layer}/${ctx.kind}/${ctx.version}/${ctx.name}`, 'utf8');
}

/** AES-256-GCM: IV | ciphertext | tag. */
export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** Opens gcmSeal's output; throws RAMPART_VAULT_TAMPERED when it does not authenticate. */
export function gcmOpen(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new RampartError('RAMPART_VAULT_TAMPERED');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new RampartError('RAMPART_VAULT_TAMPERED');
  }
}

/** Encrypts `value` under a new data key and wraps that key with `wrapper`. */
export async function sealValue(
  wrapper: KeyWrapper,
  ctx: SecretContext,
  value: string,
): Promise<SealedValue> {
  const dataKey = randomBytes(32);
  try {
    const ciphertext = gcmSeal(dataKey, Buffer.from(value, 'utf8'), contextAad('value', ctx));
    const wrappedKey = await wrapper.wrap(dataKey, contextAad('data-key', ctx));
    return { keyId: wrapper.keyId, wrappedKey, ciphertext };
  } finally {
    dataKey.fill(0);
  }
}

/** Unwraps the data key and decrypts the value. */
export async function openValue(
  wrapper: KeyWrapper,
  ctx: SecretContext,
  sealed: SealedValue,
): Promise<string> {
  const dataKey = await unwrapDataKey(wrapper, ctx, sealed);
  try {
    return gcmOpen(dataKey, sealed.ciphertext, contextAad('value', ctx)).toString('utf8');
  } finally {
    dataKey.fill(0);
  }
}

/** The same data key wrapped by another master key (the value's ciphertext is untouched). */
export async function rewrapValue(
  from: KeyWrapper,
  to: KeyWrapper,
  ctx: SecretContext,
  sealed: SealedValue,
): Promise<SealedValue> {
  const dataKey = await unwrapDataKey(from, ctx, sealed);
  try {
    const wrappedKey = await to.wrap(dataKey, contextAad('data-key', ctx));
    return { keyId: to.keyId, wrappedKey, ciphertext: sealed.ciphertext };
  } finally {
    dataKey.fill(0);
  }
}

async function unwrapDataKey(wrapper: KeyWrapper, ctx: SecretContext, sealed: SealedValue): Promise<Buffer> {
  if (sealed.keyId !== wrapper.keyId) {
    throw new RampartError(
      'RAMPART_VAULT_LOCKED',
      `secret ${ctx.name} v${ctx.version} is wrapped by master key ${sealed.keyId}, not by ${wrapper.keyId}`,
    );
  }
  const dataKey = await wrapper.unwrap(sealed.wrappedKey, contextAad('data-key', ctx));
  if (dataKey.length !== 32) throw new RampartError('RAMPART_VAULT_TAMPERED');
  return dataKey;
}
