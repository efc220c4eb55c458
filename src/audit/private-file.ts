// A secret file in the state directory (the audit signing key, the payload master key): created once and
// atomically, readable by its owner only, and refused when group or other can read it.
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { AuditError } from './audit-error.ts';

/** The file's text; RAMPART_AUDIT_KEY_INVALID when others can read it, the fs error (ENOENT...) otherwise. */
export function readPrivateFile(file: string): string {
  const text = readFileSync(file, 'utf8');
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new AuditError('RAMPART_AUDIT_KEY_INVALID', `${file} is readable by other users; chmod 600 it`);
  }
  return text;
}

/**
 * Reads the file, or (when `createMissing`) writes `make()` into it first. `created` is true only when this call
 * wrote it: when two processes race, the one that lost reads the winner's key. Without `createMissing` a missing
 * file is RAMPART_AUDIT_NOT_FOUND, naming `what`.
 */
export function loadPrivateFile(
  stateDir: string,
  file: string,
  options: { readonly createMissing: boolean; readonly what: string; readonly make: () => string },
): { readonly text: string; readonly created: boolean } {
  try {
    return { text: readPrivateFile(file), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!options.createMissing)
      throw new AuditError('RAMPART_AUDIT_NOT_FOUND', `no ${options.what} at ${file}`);
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const text = options.make();
  // Written aside and hard-linked into place: link() fails if another process won the race, and nobody ever
  // reads a half-written key.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { text: readPrivateFile(file), created: false };
  } finally {
    unlinkSync(tmp);
  }
  return { text, created: true };
}
