// Resolving secret references from the config: environment variables and files, never inline literals.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SecretRef } from '../../config/auth-schema.ts';
import { RampartError } from '../../errors.ts';

/** Reads a secret at use time (so rotation of the file or variable takes effect without a restart). */
export function readSecret(ref: SecretRef, baseDir: string): string {
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
