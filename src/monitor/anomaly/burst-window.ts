// "N events within W": only the last N timestamps matter, so a ring of N numbers is all the state, whatever the
// event rate. Used by `anomaly.denial_burst` and `anomaly.error_burst`.

export class BurstWindow {
  private readonly times: number[] = [];
  private readonly count: number;
  private readonly windowMs: number;
  private next = 0;

  constructor(count: number, windowMs: number) {
    this.count = count;
    this.windowMs = windowMs;
  }

  /**
   * Records an event at `t`; true when it completes `count` events within the window. The ring then starts
   * over, so a sustained burst raises once per `count` events rather than on every event.
   */
  hit(t: number): { readonly burst: boolean; readonly spanMs: number } {
    if (this.times.length < this.count) this.times.push(t);
    else this.times[this.next] = t;
    this.next = (this.next + 1) % this.count;
    if (this.times.length < this.count) return { burst: false, spanMs: 0 };
    // With the ring full, `next` points at the oldest of the last `count` events.
    const spanMs = t - this.times[this.next]!;
    if (spanMs > this.windowMs) return { burst: false, spanMs };
    this.times.length = 0;
    this.next = 0;
    return { burst: true, spanMs };
  }
}
