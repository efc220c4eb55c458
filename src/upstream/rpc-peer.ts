// The client side of one upstream connection on raw JSON-RPC: Rampart's own request ids (downstream ids never
// travel upstream), its own progress tokens, per-request timeouts reset by progress with a hard maximum,
// cancellation both ways, and attribution of server-to-client traffic to the outgoing request it belongs to.

import {
  failure,
  isObject,
  type JsonObject,
  type JsonRpcErrorObject,
  type JsonRpcId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type JsonRpcRequest,
  PeerError,
  success,
} from '../core/jsonrpc.ts';
import { RampartError } from '../errors.ts';
import type { TraceHeaders } from '../monitor/traceparent.ts';
import type { CredentialContext } from './credentials/provider.ts';
import type { MessageTransport } from './transport.ts';

export interface OutgoingOptions {
  /** Idle timeout, reset by progress; 0 = none (long-lived streams such as subscriptions/listen). */
  timeoutMs: number;
  /** Hard limit whatever the progress; 0 = none. */
  maxTotalMs: number;
  /** A long-lived request that never owns server-to-client traffic (excluded from sole-in-flight attribution). */
  background?: boolean;
  signal?: AbortSignal;
  /** Called for each progress notification; its presence makes Rampart send a progressToken upstream. */
  onProgress?: (params: JsonObject) => void;
  /** Extra HTTP headers for this request (Mcp-Param-* passthrough). */
  headers?: Readonly<Record<string, string>>;
  /** What the credential provider may use for this request (the caller's token for token exchange). */
  credential?: CredentialContext;
  /** W3C trace context headers for this request (HTTP wires only; stdio carries it in `_meta`). */
  trace?: TraceHeaders | undefined;
  /** Told Rampart's id for this request once it is allocated (to recognise its stream's messages). */
  onSent?: (id: number) => void;
  /** Opaque owner of the call (the downstream request) for routing server-to-client traffic. */
  owner?: unknown;
}

export interface OutgoingCall {
  readonly id: number;
  readonly method: string;
  readonly owner: unknown;
  readonly progressToken: string | undefined;
}

interface Pending extends OutgoingCall {
  background: boolean;
  resolve(result: JsonObject): void;
  reject(err: Error): void;
  onProgress: ((params: JsonObject) => void) | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  totalTimer: NodeJS.Timeout | undefined;
  timeoutMs: number;
  cleanup(): void;
}

export interface IncomingHandlers {
  /** A server-to-client request; `related` is the outgoing call it belongs to, when known. */
  onRequest(
    request: JsonRpcRequest,
    related: OutgoingCall | undefined,
    signal: AbortSignal,
  ): Promise<JsonObject>;
  onNotification(notification: JsonRpcNotification, related: OutgoingCall | undefined): void;
  /** The wire closed (child exit, stream end); every pending request has been failed already. */
  onClose(reason: Error): void;
}

export class RpcPeer {
  private readonly transport: MessageTransport;
  private readonly handlers: IncomingHandlers;
  private readonly pending = new Map<number, Pending>();
  private readonly byProgressToken = new Map<string, Pending>();
  private readonly incoming = new Map<JsonRpcId, AbortController>();
  private nextId = 1;
  private backgroundCount = 0;
  private closed: Error | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(transport: MessageTransport, handlers: IncomingHandlers) {
    this.transport = transport;
    this.handlers = handlers;
  }

  async start(): Promise<void> {
    await this.transport.start({
      onMessage: (message, relatedTo) => this.receive(message, relatedTo),
      onClose: (reason) => this.fail(reason),
    });
  }

  get inFlight(): number {
    return this.pending.size - this.backgroundCount;
  }

  /** Resolves once no foreground request is in flight (a background one, such as a listen stream, does not count). */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The only (foreground) outgoing call in flight, if there is exactly one (attribution on uncorrelated wires). */
  soleInFlight(): OutgoingCall | undefined {
    if (this.inFlight !== 1) return undefined;
    for (const entry of this.pending.values()) if (!entry.background) return entry;
    return undefined;
  }

  request(method: string, params: JsonObject | undefined, options: OutgoingOptions): Promise<JsonObject> {
    if (this.closed) return Promise.reject(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE'));
    if (options.signal?.aborted) return Promise.reject(new RampartError('RAMPART_CANCELLED'));
    const id = this.nextId++;
    const progressToken = options.onProgress ? `rampart-${id}` : undefined;
    let outParams = params;
    if (progressToken !== undefined) {
      const meta = isObject(params?.['_meta']) ? params['_meta'] : {};
      outParams = { ...params, _meta: { ...meta, progressToken } };
    }
    return new Promise<JsonObject>((resolve, reject) => {
      const onAbort = () => {
        this.cancel(entry, 'cancelled by the client');
        reject(new RampartError('RAMPART_CANCELLED'));
      };
      const entry: Pending = {
        id,
        method,
        owner: options.owner,
        background: options.background === true,
        progressToken,
        onProgress: options.onProgress,
        timeoutMs: options.timeoutMs,
        idleTimer: undefined,
        totalTimer: undefined,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(entry.idleTimer);
          clearTimeout(entry.totalTimer);
          options.signal?.removeEventListener('abort', onAbort);
          if (this.pending.delete(id) && entry.background) this.backgroundCount--;
          if (progressToken !== undefined) this.byProgressToken.delete(progressToken);
          if (this.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        },
      };
      const onTimeout = () => {
        this.cancel(entry, 'timed out in Rampart');
        reject(new RampartError('RAMPART_UPSTREAM_TIMEOUT'));
      };
      if (options.timeoutMs > 0) entry.idleTimer = setTimeout(onTimeout, options.timeoutMs);
      if (options.maxTotalMs > 0) entry.totalTimer = setTimeout(onTimeout, options.maxTotalMs);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, entry);
      if (entry.background) this.backgroundCount++;
      if (progressToken !== undefined) this.byProgressToken.set(progressToken, entry);
      options.onSent?.(id);
      const message: JsonRpcRequest = { jsonrpc: '2.0', id, method };
      if (outParams !== undefined) message.params = outParams;
      this.transport
        .send(message, { headers: options.headers, credential: options.credential, trace: options.trace })
        .catch((err: unknown) => {
          if (!this.pending.has(id)) return;
          entry.cleanup();
          reject(err instanceof RampartError ? err : new RampartError('RAMPART_UPSTREAM_UNAVAILABLE'));
        });
    });
  }

  notify(method: string, params?: JsonObject): Promise<void> {
    if (this.closed) return Promise.resolve();
    const message: JsonRpcNotification = { jsonrpc: '2.0', method };
    if (params !== undefined) message.params = params;
    return this.transport.send(message).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.fail(new RampartError('RAMPART_SHUTTING_DOWN'));
    await this.transport.close();
  }

  private cancel(entry: Pending, reason: string): void {
    entry.cleanup();
    void this.notify('notifications/cancelled', { requestId: entry.id, reason });
  }

  private fail(reason: Error): void {
    if (this.closed) return;
    this.closed = reason;
    const err = reason instanceof RampartError ? reason : new RampartError('RAMPART_UPSTREAM_CRASHED');
    for (const entry of [...this.pending.values()]) {
      entry.cleanup();
      entry.reject(err);
    }
    for (const controller of this.incoming.values()) controller.abort();
    this.incoming.clear();
    this.handlers.onClose(reason);
  }

  private receive(message: JsonRpcMessage, relatedTo: JsonRpcId | undefined): void {
    if ('method' in message) {
      const related = typeof relatedTo === 'number' ? this.pending.get(relatedTo) : undefined;
      if ('id' in message) this.answer(message, related);
      else this.dispatchNotification(message, related);
      return;
    }
    const entry = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
    if (!entry) return; // late answer to a cancelled or timed-out request: dropped on purpose
    entry.cleanup();
    if ('error' in message) entry.reject(new PeerError(message.error));
    else if (isObject(message.result)) entry.resolve(message.result);
    else entry.reject(new RampartError('RAMPART_UPSTREAM_PROTOCOL', 'The upstream result is not an object.'));
  }

  private dispatchNotification(message: JsonRpcNotification, related: Pending | undefined): void {
    const params = message.params;
    if (message.method === 'notifications/progress' && params !== undefined) {
      const entry = this.byProgressToken.get(String(params['progressToken']));
      if (!entry) return; // progress for a finished or unknown request must not reach anyone
      clearTimeout(entry.idleTimer);
      if (entry.timeoutMs > 0) {
        entry.idleTimer = setTimeout(() => {
          this.cancel(entry, 'timed out in Rampart');
          entry.reject(new RampartError('RAMPART_UPSTREAM_TIMEOUT'));
        }, entry.timeoutMs);
      }
      entry.onProgress?.(params);
      return;
    }
    if (message.method === 'notifications/cancelled' && params !== undefined) {
      const requestId = params['requestId'];
      if (typeof requestId === 'string' || typeof requestId === 'number')
        this.incoming.get(requestId)?.abort();
      return;
    }
    this.handlers.onNotification(message, related);
  }

  private answer(message: JsonRpcRequest, related: Pending | undefined): void {
    if (message.method === 'ping') {
      void this.transport.send(success(message.id, {})).catch(() => undefined);
      return;
    }
    const controller = new AbortController();
    this.incoming.set(message.id, controller);
    this.handlers
      .onRequest(message, related, controller.signal)
      .then(
        (result) => success(message.id, result),
        (err: unknown) => failure(message.id, errorObject(err)),
      )
      .then((response) => {
        this.incoming.delete(message.id);
        if (!controller.signal.aborted) return this.transport.send(response);
      })
      .catch(() => undefined);
  }
}

function errorObject(err: unknown): JsonRpcErrorObject {
  if (err instanceof PeerError) return err.error;
  if (err instanceof RampartError) return err.toJsonRpc();
  return new RampartError('RAMPART_INTERNAL').toJsonRpc();
}
