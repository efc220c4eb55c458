// A per-window volume (calls, bytes) and its learned normal level, in O(1) memory: `anomaly.rate` counts calls,
// `anomaly.data_out` sums result bytes.
//
// - The current level is a sliding-window estimate from two fixed windows (the current one plus the previous
//   one weighted by how much of it still overlaps), so a burst that straddles a window edge is not halved.
// - The normal level is an EWMA over *active* windows only: idle nights and weekends would otherwise drag it
//   towards zero and make every busy minute look anomalous. What is compared is "busy as usual when busy".
// - A closed window is folded in at most at the alert threshold, so one burst (or an attacker ramping up)
//   cannot lift the baseline far; a genuinely new level is still learned within a few dozen windows.

/** Weight of the newest active window: a half-life of about 14 active windows. */
const ALPHA = 0.05;

export interface WindowBaselineOptions {
  readonly windowMs: number;
  /** Above this many times the baseline is anomalous... */
  readonly multiplier: number;
  /** ...and never below this absolute level. */
  readonly floor: number;
  /** Active windows needed before the baseline is trusted (and before clipping starts). */
  readonly minHistory: number;
}

export class WindowBaseline {
  private readonly options: WindowBaselineOptions;
  private window = Number.NEGATIVE_INFINITY;
  private current = 0;
  private previous = 0;
  private ewma = 0;
  /** Active windows folded into the EWMA. */
  private history = 0;
  /** Raised during the current excursion above the threshold (re-armed once the level drops below it). */
  private raised = false;

  constructor(options: WindowBaselineOptions) {
    this.options = options;
  }

  /** Adds `amount` at time `t` (times must not go backwards by more than a window; earlier ones count as now). */
  add(t: number, amount: number): void {
    this.roll(t);
    this.current += amount;
  }

  /** The level over the last window ending at `t`. */
  level(t: number): number {
    this.roll(t);
    const into = (t - this.window * this.options.windowMs) / this.options.windowMs;
    return this.current + this.previous * Math.max(0, 1 - into);
  }

  get baseline(): number {
    return this.ewma;
  }

  get trusted(): boolean {
    return this.history >= this.options.minHistory;
  }

  threshold(): number {
    return Math.max(this.options.floor, this.options.multiplier * this.ewma);
  }

  /**
   * True once per excursion: when the level at `t` is above the threshold of a trusted baseline and was not
   * already reported. A level back under the threshold re-arms it.
   */
  crossed(t: number): boolean {
    const above = this.trusted && this.level(t) > this.threshold();
    if (!above) {
      this.raised = false;
      return false;
    }
    if (this.raised) return false;
    this.raised = true;
    return true;
  }

  private roll(t: number): void {
    const index = Math.floor(t / this.options.windowMs);
    if (index <= this.window) return;
    if (this.current > 0) this.fold(this.current);
    this.previous = index === this.window + 1 ? this.current : 0;
    this.current = 0;
    this.window = index;
  }

  private fold(value: number): void {
    const clipped = this.trusted ? Math.min(value, this.threshold()) : value;
    this.ewma = this.history === 0 ? clipped : this.ewma + ALPHA * (clipped - this.ewma);
    this.history++;
  }
}
