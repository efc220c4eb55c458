// How a `package` server's child is started: this Node running the verified bin from the cache entry, after the
// entry's tree is checked again (a restart after the cache was modified must not run the modified code).
import { RampartError } from '../../errors.ts';
import { type CacheEntry, recheckCacheEntry } from './package-cache.ts';

/** The command that runs a prepared package; throws RAMPART_PACKAGE_NOT_READY or RAMPART_PACKAGE_CACHE_TAMPERED. */
export function packageCommand(
  entry: CacheEntry | undefined,
  args: readonly string[],
): { command: string; args: string[] } {
  if (!entry) throw new RampartError('RAMPART_PACKAGE_NOT_READY');
  recheckCacheEntry(entry);
  return { command: process.execPath, args: [entry.bin.file, ...args] };
}
