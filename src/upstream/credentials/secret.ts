// Resolving secret references from the config: environment variables, files and (upstream credentials) the vault;
// never inline literals.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { CredentialSecretRef } from '../../config/auth-schema.ts';
import { RampartError } from '../../errors.ts';

/** The current value of a vault secret (the running gateway's vault; throws RAMPART_VAULT_SECRET_UNKNOWN). */
export type VaultResolver = (name: string) => string;

/**
 * Reads a secret at use time (so rotation of the file, variable or vault secret takes effect without a restart).
 * A `{ vault }` reference needs `vault`; without one (no vault in this process) it fails like a missing variable.
 */
export function readSecret(ref: CredentialSecretRef, baseDir: string, vault?: VaultResolver): string {
  if ('vault' in ref) {
    if (!vault) {
      throw new RampartError(
        'RAMPART_UPSTREAM_UNAVAILABLE',
        `vault secret ${ref.vault} is not available here`,
      );
    }
    return vault(ref.vault);
  }
  if ('env' in ref) {
    const value = process.env[ref.env];
    if (value === undefined || value === '') {
      throw new RampartError(
        'RAMPART_UPSTREAM_UNAVAILABLE',
        `secret environment variable ${ref.env} is not set`,
      );
    }
    return value;
  }
  try {
    return readFileSync(path.resolve(baseDir, ref.file), 'utf8').replace(/\r?\n$/, '');
  } catch {
    throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `secret file ${ref.file} cannot be read`);
  }
}
