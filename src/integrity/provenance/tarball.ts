// The tarball, fetched only from the registry it belongs to and accepted only when its SHA-512 matches the pin.
import { createHash } from 'node:crypto';
import ssri from 'ssri';
import { RampartError } from '../../errors.ts';
import { registryGet } from './registry-http.ts';

/** The largest tarball accepted (the unpacked size is bounded separately). */
const MAX_TARBALL_BYTES = 128 * 1024 * 1024;

export interface VerifiedTarball {
  readonly bytes: Buffer;
  /** The tarball's SRI integrity (sha512 only). */
  readonly integrity: string;
  readonly sha512Hex: string;
}

/** The sha512 part of an SRI string (`sha512-...`), or undefined when it has none. */
export function sha512Integrity(sri: string | undefined): string | undefined {
  if (!sri) return undefined;
  const hash = ssri.parse(sri, { single: false }).sha512?.[0];
  return hash ? hash.toString() : undefined;
}

/** The hex digest named by a `sha512-<base64>` integrity (the cache entry's name). */
export function sha512HexOf(integrity: string): string {
  const hash = ssri.parse(integrity, { single: false }).sha512?.[0];
  if (!hash) throw new RampartError('RAMPART_PACKAGE_INTEGRITY', 'the integrity is not a sha512 integrity');
  return Buffer.from(hash.digest, 'base64').toString('hex');
}

/** Throws RAMPART_PACKAGE_INTEGRITY unless `bytes` has the sha512 integrity `pin`. */
export function checkTarball(bytes: Buffer, pin: string, what: string): VerifiedTarball {
  const expected = sha512Integrity(pin);
  if (!expected)
    throw new RampartError('RAMPART_PACKAGE_INTEGRITY', `${what}: the pin is not a sha512 integrity`);
  if (!ssri.checkData(bytes, expected)) {
    throw new RampartError(
      'RAMPART_PACKAGE_INTEGRITY',
      `${what}: the tarball does not match its sha512 integrity`,
    );
  }
  return { bytes, integrity: expected, sha512Hex: createHash('sha512').update(bytes).digest('hex') };
}

/** Fetches the tarball from an allowed registry and checks it against `pin`. */
export async function fetchTarball(
  url: string,
  pin: string,
  registries: readonly string[],
  what: string,
): Promise<VerifiedTarball> {
  const bytes = await registryGet(url, {
    registries,
    accept: 'application/octet-stream',
    maxBytes: MAX_TARBALL_BYTES,
    what: `the tarball of ${what}`,
  });
  return checkTarball(bytes, pin, what);
}
