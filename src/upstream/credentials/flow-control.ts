// Concurrency and bounds shared by the providers: concurrent requests that hit the same 401 share one token
// acquisition, and a misbehaving upstream cannot make Rampart authorize again and again.

/** One task per key at a time; callers arriving meanwhile get the running task's promise. */
export class SingleFlight<V> {
  private readonly running = new Map<string, Promise<V>>();

  run(key: string, task: () => Promise<V>): Promise<V> {
    const existing = this.running.get(key);
    if (existing) return existing;
    const promise = task().finally(() => this.running.delete(key));
    this.running.set(key, promise);
    return promise;
  }
}

/** At most `max` attempts within any `windowMs` (sliding window). */
export class AttemptBudget {
  private readonly max: number;
  private readonly windowMs: number;
  private readonly now: () => number;
  private attempts: number[] = [];

  constructor(max: number, windowMs: number, now: () => number = Date.now) {
    this.max = max;
    this.windowMs = windowMs;
    this.now = now;
  }

  /** Records an attempt; false (and nothing recorded) when the budget is spent. */
  take(): boolean {
    const now = this.now();
    this.attempts = this.attempts.filter((t) => now - t < this.windowMs);
    if (this.attempts.length >= this.max) return false;
    this.attempts.push(now);
    return true;
  }
}

/** `Authorization: Bearer` for a token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/**
 * True when a refused request was sent with `token`, i.e. the refusal is about this token and not an older one
 * a newer token has already replaced. Unknown (`sent` not reported) counts as the current token.
 */
export function sentWith(
  sent: Readonly<Record<string, string>> | undefined,
  token: string | undefined,
): boolean {
  if (sent === undefined) return true;
  if (token === undefined) return sent['authorization'] === undefined;
  return sent['authorization'] === `Bearer ${token}`;
}
