// The registry's signing keys (`/-/npm/v1/keys`) and the check of `dist.signatures`: an ECDSA P-256 signature over
// `${name}@${version}:${integrity}` by a key that had not expired when the version was published.
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RampartError } from '../../errors.ts';
import type { RegistrySignature } from './packument.ts';
import { registryGetJson } from './registry-http.ts';

const MAX_KEYS_BYTES = 256 * 1024;

const keysDocument = z.looseObject({
  keys: z.array(
    z.looseObject({
      keyid: z.string().min(1),
      keytype: z.string(),
      scheme: z.string(),
      key: z.string().min(1),
      expires: z.string().nullable().optional(),
    }),
  ),
});

/** One registry key: its id (`SHA256:...`), its public key and when it stopped being valid for new signatures. */
export interface RegistryKey {
  readonly keyid: string;
  readonly publicKey: KeyObject;
  readonly expires: Date | undefined;
}

/** Parses a `/-/npm/v1/keys` document; only ECDSA P-256 keys are accepted (the only kind npm uses). */
export function parseRegistryKeys(json: unknown, what: string): RegistryKey[] {
  const parsed = keysDocument.safeParse(json);
  if (!parsed.success)
    throw new RampartError('RAMPART_PACKAGE_SIGNATURE', `${what} is not a registry keys document`);
  return parsed.data.keys.flatMap((key) => {
    if (key.keytype !== 'ecdsa-sha2-nistp256' || key.scheme !== 'ecdsa-sha2-nistp256') return [];
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: Buffer.from(key.key, 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw new RampartError(
        'RAMPART_PACKAGE_SIGNATURE',
        `${what}: key ${key.keyid} is not a valid public key`,
      );
    }
    const expires = key.expires ? new Date(key.expires) : undefined;
    if (expires && Number.isNaN(expires.getTime())) {
      throw new RampartError('RAMPART_PACKAGE_SIGNATURE', `${what}: key ${key.keyid} has an invalid expiry`);
    }
    return [{ keyid: key.keyid, publicKey, expires }];
  });
}

/** The pinned keys file, or the registry's own `/-/npm/v1/keys`. */
export async function loadRegistryKeys(
  source: { file: string } | { registry: string; registries: readonly string[] },
): Promise<RegistryKey[]> {
  if ('file' in source) {
    let text: string;
    try {
      text = readFileSync(source.file, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new RampartError(
        'RAMPART_PACKAGE_SIGNATURE',
        `supplyChain.registryKeys cannot be read (${reason})`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new RampartError('RAMPART_PACKAGE_SIGNATURE', 'supplyChain.registryKeys is not valid JSON');
    }
    return parseRegistryKeys(json, 'supplyChain.registryKeys');
  }
  const base = source.registry.endsWith('/') ? source.registry : `${source.registry}/`;
  const json = await registryGetJson(new URL('-/npm/v1/keys', base).href, {
    registries: source.registries,
    accept: 'application/json',
    maxBytes: MAX_KEYS_BYTES,
    what: 'the registry keys',
  });
  return parseRegistryKeys(json, 'the registry keys');
}

export interface SignedVersion {
  readonly name: string;
  readonly version: string;
  /** The registry's `dist.integrity` (the signed text carries it verbatim). */
  readonly integrity: string;
  readonly signatures: readonly RegistrySignature[];
  /** The packument's publish time; unknown means "now" (so an expired key fails closed). */
  readonly publishedAt: Date | undefined;
}

/**
 * Verifies every signature (one that does not verify is tampering, not an absence); returns the key ids used.
 * Throws RAMPART_PACKAGE_SIGNATURE for an unknown key, a key that had expired at publish time, or a bad signature.
 */
export function verifyRegistrySignatures(
  signed: SignedVersion,
  keys: readonly RegistryKey[],
  now: Date = new Date(),
): string[] {
  const message = Buffer.from(`${signed.name}@${signed.version}:${signed.integrity}`, 'utf8');
  const published = signed.publishedAt ?? now;
  return signed.signatures.map((signature) => {
    const key = keys.find((k) => k.keyid === signature.keyid);
    const label = `${signed.name}@${signed.version}`;
    if (!key) {
      throw new RampartError(
        'RAMPART_PACKAGE_SIGNATURE',
        `${label} is signed with key ${signature.keyid}, which the registry keys do not list`,
      );
    }
    if (key.expires && published.getTime() >= key.expires.getTime()) {
      throw new RampartError(
        'RAMPART_PACKAGE_SIGNATURE',
        `${label} is signed with key ${signature.keyid}, which expired ${key.expires.toISOString()} before it was published`,
      );
    }
    let valid = false;
    try {
      valid = verify('sha256', message, key.publicKey, Buffer.from(signature.sig, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) {
      throw new RampartError(
        'RAMPART_PACKAGE_SIGNATURE',
        `${label} has an invalid registry signature (key ${signature.keyid})`,
      );
    }
    return signature.keyid;
  });
}
