// Deduplication: an alert with the same dedupKey (rule, principal, agent, target) is raised at most once per
// window; repeats inside it are counted, and the count travels with the next alert raised after the window
// (`suppressed`), so a receiver sees "and 41 more like it" instead of 42 pages.

import { BoundedLru } from './lru.ts';

interface Entry {
  lastRaisedMs: number;
  suppressed: number;
}

export class Deduplicator {
  private readonly windowMs: number;
  // Evicting a key loses its pending count and lets the next repeat through: more alerts, never fewer.
  private readonly entries: BoundedLru<string, Entry>;

  constructor(windowMs: number, maxKeys: number) {
    this.windowMs = windowMs;
    this.entries = new BoundedLru(maxKeys);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Whether an alert with `key` is raised at `nowMs`, and how many repeats were suppressed before it. */
  admit(key: string, nowMs: number): { readonly raise: boolean; readonly suppressed: number } {
    const entry = this.entries.get(key);
    if (entry && nowMs - entry.lastRaisedMs < this.windowMs) {
      entry.suppressed++;
      return { raise: false, suppressed: entry.suppressed };
    }
    const suppressed = entry?.suppressed ?? 0;
    this.entries.set(key, { lastRaisedMs: nowMs, suppressed: 0 });
    return { raise: true, suppressed };
  }
}
