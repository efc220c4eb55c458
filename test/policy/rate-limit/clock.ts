// A wall clock for rate-limit tests that only moves when told to (no test sleeps).

export interface WallClock {
  now(): number;
  /** Moves the clock forward by `ms`. */
  advance(ms: number): void;
  /** Sets the clock to an ISO instant. */
  set(iso: string): void;
}

export function wallClock(iso = '2025-01-15T10:00:00Z'): WallClock {
  let t = Date.parse(iso);
  return {
    now: () => t,
    advance(ms) {
      t += ms;
    },
    set(at) {
      t = Date.parse(at);
    },
  };
}
