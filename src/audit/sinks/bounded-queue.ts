// A fixed-capacity FIFO (ring buffer). A sink reads a batch from the front with `peek`, and only removes it with
// `shift` once it was delivered, so a failed batch is retried in order without being copied back.
export class BoundedQueue<T> {
  readonly capacity: number;
  private readonly slots: Array<T | undefined>;
  private head = 0;
  private length = 0;

  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
    this.capacity = capacity;
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.length;
  }

  /** Appends `item`; false (and nothing stored) when the queue is full. */
  push(item: T): boolean {
    if (this.length === this.capacity) return false;
    this.slots[(this.head + this.length) % this.capacity] = item;
    this.length += 1;
    return true;
  }

  /** Up to `n` items from the front, oldest first, without removing them. */
  peek(n: number): T[] {
    const count = Math.min(n, this.length);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = this.slots[(this.head + i) % this.capacity] as T;
    return out;
  }

  /** Removes up to `n` items from the front. */
  shift(n: number): void {
    const count = Math.min(n, this.length);
    for (let i = 0; i < count; i++) this.slots[(this.head + i) % this.capacity] = undefined;
    this.head = (this.head + count) % this.capacity;
    this.length -= count;
  }
}
