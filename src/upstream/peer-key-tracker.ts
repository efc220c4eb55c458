// The TLS keys one upstream has presented. Connections are pooled and reopened, so every new socket reports its
// key here; the integrity service reads `current` to pin it on first use and `changed` to notice a new key. It
// lives as long as the Upstream (not a transport), so a key that changes across a reconnect is noticed too.

/** Called when a socket presents a key other than the one seen before it. */
export type KeyChangeListener = (previous: string, current: string) => void;

export class PeerKeyTracker {
  /** The pin (base64 SPKI SHA-256) of the first key seen, or of the key last accepted with `rebase`. */
  first: string | undefined;
  /** The pin of the key the latest connection presented. */
  current: string | undefined;
  /** True once a connection presented a key other than `first`. */
  changed = false;
  private readonly onChange: KeyChangeListener | undefined;

  constructor(onChange?: KeyChangeListener) {
    this.onChange = onChange;
  }

  /** Records the key of a new connection (once per socket, never per request). */
  observe(pin: string): void {
    if (pin === this.current) return;
    const previous = this.current;
    this.current = pin;
    if (previous === undefined) {
      this.first ??= pin;
      return;
    }
    if (pin !== this.first) this.changed = true;
    this.onChange?.(previous, pin);
  }

  /** Makes the current key the baseline again (after an operator approved it). */
  rebase(): void {
    this.first = this.current;
    this.changed = false;
  }
}
