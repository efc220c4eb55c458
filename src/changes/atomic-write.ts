// Restoring a file must never leave it half written (a gateway watching it would load a torn policy set): the
// bytes go to a temporary file in the same directory, are flushed, and replace the file in one rename.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';

/** Replaces `file` with `bytes` atomically, keeping the mode of the file it replaces (else `mode`). */
export function writeFileAtomic(file: string, bytes: Uint8Array, mode: number): void {
  const target = existingTarget(file);
  let finalMode = mode;
  try {
    finalMode = statSync(target).mode & 0o7777;
  } catch {
    // A file that no longer exists is created with the mode it had when the version was recorded.
  }
  const dir = path.dirname(target);
  mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', finalMode);
  try {
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // The umask may have narrowed the mode openSync was given.
    chmodSync(temp, finalMode);
    renameSync(temp, target);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  syncDirectory(dir);
}

/** A symlinked file is restored where the link points, and the link stays. */
function existingTarget(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory; the rename itself is still atomic.
  }
}
