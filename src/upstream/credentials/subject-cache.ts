// Tokens obtained on behalf of a user, cached per subject token until shortly before they expire. Keys are
// SHA-256 digests, so the cache never holds a user's raw token; its size is bounded (oldest evicted first).
import { createHash } from 'node:crypto';

export interface CachedToken {
  readonly accessToken: string;
  /** Epoch ms after which the token is not used any more. */
  readonly refreshAt: number;
}

const DEFAULT_MAX_ENTRIES = 1_000;
/** A token whose lifetime the server did not state is reused this long at most. */
export const UNSTATED_LIFETIME_MS = 60_000;

export function subjectKey(subjectToken: string): string {
  return createHash('sha256').update(subjectToken).digest('base64url');
}

export class SubjectCache {
  private readonly entries = new Map<string, CachedToken>();
  private readonly max: number;
  private readonly now: () => number;

  constructor(now: () => number = Date.now, max = DEFAULT_MAX_ENTRIES) {
    this.now = now;
    this.max = max;
  }

  get(key: string): CachedToken | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.refreshAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, accessToken: string, refreshAt: number | undefined): CachedToken {
    const entry = { accessToken, refreshAt: refreshAt ?? this.now() + UNSTATED_LIFETIME_MS };
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return entry;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
