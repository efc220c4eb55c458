// Bridges a legacy upstream's mid-call server-to-client requests (sampling, elicitation, roots) to a modern
// client, which expects MRTR: the upstream call is parked in an exchange, the client gets `input_required`
// with a signed requestState naming the exchange, and its retry answers the parked requests.
import { randomUUID } from 'node:crypto';
import { RampartError } from '../errors.ts';
import { isObject, type JsonObject } from './jsonrpc.ts';
import type { TokenSigner } from './signed-token.ts';

const STATE_KIND = 'mrtr';
/** Rampart's own requestState values start with this, so upstream states pass through untouched. */
export const STATE_PREFIX = 'rampart.';

interface PendingInput {
  key: string;
  method: string;
  params: JsonObject | undefined;
  resolve(result: JsonObject): void;
  reject(err: Error): void;
}

export class Exchange {
  readonly id = randomUUID();
  readonly controller = new AbortController();
  /** Requests from the upstream not yet shown to the client. */
  readonly fresh: PendingInput[] = [];
  /** Requests shown to the client, keyed as in inputRequests, awaiting its retry. */
  readonly outstanding = new Map<string, PendingInput>();
  result: Promise<JsonObject> | undefined;
  expiresAt = 0;
  /** Which requestState is current: each one answers one round, so a replayed state is refused. */
  round = 0;
  private wake: (() => void) | undefined;
  private counter = 0;

  /** Called by the gateway when the upstream sends a server-to-client request during this exchange. */
  requestInput(method: string, params: JsonObject | undefined, signal: AbortSignal): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const input: PendingInput = { key: `r${++this.counter}`, method, params, resolve, reject };
      signal.addEventListener('abort', () => reject(new RampartError('RAMPART_CANCELLED')), { once: true });
      this.fresh.push(input);
      this.wake?.();
    });
  }

  /** Resolves when the upstream finished or asked for input (after a turn, to gather simultaneous asks). */
  waitForProgress(): Promise<void> {
    if (this.fresh.length > 0) return new Promise((r) => setImmediate(r));
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        setImmediate(resolve);
      };
      this.result?.then(
        () => this.wake?.(),
        () => this.wake?.(),
      );
    });
  }

  abort(): void {
    this.controller.abort();
    for (const input of [...this.fresh, ...this.outstanding.values()])
      input.reject(new RampartError('RAMPART_CANCELLED'));
    this.fresh.length = 0;
    this.outstanding.clear();
  }
}

export class MrtrBridge {
  private readonly exchanges = new Map<string, Exchange>();
  private readonly signer: TokenSigner;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(signer: TokenSigner, ttlMs: number, now: () => number = Date.now) {
    this.signer = signer;
    this.ttlMs = ttlMs;
    this.now = now;
    this.sweeper = setInterval(() => this.sweep(), Math.min(ttlMs, 30_000));
    this.sweeper.unref();
  }

  /** Starts the upstream call inside a new exchange and answers with its result or an input_required. */
  begin(
    run: (exchange: Exchange) => Promise<JsonObject>,
    signal: AbortSignal,
    binding: string,
  ): Promise<JsonObject> {
    const exchange = new Exchange();
    exchange.result = run(exchange);
    exchange.result.catch(() => undefined);
    return this.advance(exchange, signal, binding);
  }

  /** True when this retry belongs to an exchange Rampart parked (rather than to a modern upstream). */
  isOwnState(params: JsonObject | undefined): boolean {
    const state = params?.['requestState'];
    return typeof state === 'string' && state.startsWith(STATE_PREFIX);
  }

  /**
   * True when this retry's requestState was signed by this bridge's signer (its exchange may be gone: `resume`
   * then refuses it as used). A bridge with a signer of its own (approvals) tells its states from the gateway's.
   */
  owns(params: JsonObject | undefined): boolean {
    if (!this.isOwnState(params)) return false;
    const payload = this.signer.verify(
      STATE_KIND,
      String(params!['requestState']).slice(STATE_PREFIX.length),
    );
    return isObject(payload) && typeof payload['x'] === 'string';
  }

  /** True when this retry continues an exchange this bridge holds now (signature and exchange both checked). */
  holds(params: JsonObject | undefined): boolean {
    if (!this.owns(params)) return false;
    const payload = this.signer.verify(
      STATE_KIND,
      String(params!['requestState']).slice(STATE_PREFIX.length),
    );
    return isObject(payload) && this.exchanges.has(String(payload['x']));
  }

  /** Continues a parked exchange with the client's inputResponses. */
  resume(params: JsonObject, signal: AbortSignal, binding: string): Promise<JsonObject> {
    const token = String(params['requestState']).slice(STATE_PREFIX.length);
    const payload = this.signer.verify(STATE_KIND, token);
    if (!isObject(payload) || payload['b'] !== binding || typeof payload['x'] !== 'string') {
      return Promise.reject(new RampartError('RAMPART_INVALID_REQUEST_STATE'));
    }
    const exchange = this.exchanges.get(payload['x']);
    if (!exchange || payload['r'] !== exchange.round) {
      return Promise.reject(
        new RampartError('RAMPART_INVALID_REQUEST_STATE', 'This requestState was already used.'),
      );
    }
    if (exchange.expiresAt < this.now()) {
      return Promise.reject(new RampartError('RAMPART_INVALID_REQUEST_STATE', 'The parked request expired.'));
    }
    // While a client is attached the sweeper must not abort the exchange; advance() sets a new deadline.
    exchange.expiresAt = Number.POSITIVE_INFINITY;
    exchange.round++;
    const responses = isObject(params['inputResponses']) ? params['inputResponses'] : {};
    for (const [key, input] of exchange.outstanding) {
      const response = responses[key];
      if (!isObject(response)) continue;
      exchange.outstanding.delete(key);
      input.resolve(response);
    }
    return this.advance(exchange, signal, binding);
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const exchange of this.exchanges.values()) exchange.abort();
    this.exchanges.clear();
  }

  private async advance(exchange: Exchange, signal: AbortSignal, binding: string): Promise<JsonObject> {
    const onAbort = () => {
      this.exchanges.delete(exchange.id);
      exchange.abort();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (exchange.outstanding.size === 0) await exchange.waitForProgress();
      if (signal.aborted) throw new RampartError('RAMPART_CANCELLED');
      if (exchange.fresh.length === 0 && exchange.outstanding.size === 0) {
        this.exchanges.delete(exchange.id);
        return await exchange.result!;
      }
      for (const input of exchange.fresh.splice(0)) exchange.outstanding.set(input.key, input);
      exchange.expiresAt = this.now() + this.ttlMs;
      this.exchanges.set(exchange.id, exchange);
      const inputRequests: JsonObject = {};
      for (const [key, input] of exchange.outstanding) {
        inputRequests[key] =
          input.params === undefined
            ? { method: input.method }
            : { method: input.method, params: input.params };
      }
      exchange.round++;
      const state =
        STATE_PREFIX + this.signer.sign(STATE_KIND, { x: exchange.id, b: binding, r: exchange.round });
      return { resultType: 'input_required', inputRequests, requestState: state };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, exchange] of this.exchanges) {
      if (exchange.expiresAt < now) {
        this.exchanges.delete(id);
        exchange.abort();
      }
    }
  }
}
