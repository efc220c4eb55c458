// Streamable HTTP toward an upstream, in either era. Each request is its own POST whose JSON or SSE answer is
// attributed to that request (exact correlation of progress, logs and legacy server-to-client requests).
// Legacy: Mcp-Session-Id from initialize, a GET stream for unsolicited messages, DELETE on close.
// Modern: MCP-Protocol-Version / Mcp-Method / Mcp-Name headers; cancelling = closing the response stream.
import { Agent, type Dispatcher, request } from 'undici';
import { isObject, type JsonRpcId, type JsonRpcMessage, type JsonRpcRequest } from '../core/jsonrpc.ts';
import {
  type Era,
  encodeHeaderValue,
  LATEST_LEGACY_VERSION,
  MODERN_VERSION,
  NAMED_METHODS,
} from '../core/protocol.ts';
import { RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import {
  type CredentialContext,
  type CredentialProvider,
  MAX_AUTH_RETRIES,
  type SendOptions,
} from './credentials/provider.ts';
import { type IdentityOptions, identityConnector } from './identity-connector.ts';
import { parseJsonOrUndefined, readCapped } from './response-body.ts';
import { createSseParser } from './sse-parser.ts';
import type { MessageTransport, TransportHandlers } from './transport.ts';

interface StreamState {
  lastEventId: string | undefined;
  retryMs: number;
  answered: boolean;
}

const DEFAULT_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;
const MAX_RESUMES = 5;

export interface HttpTransportOptions {
  url: string;
  era: Era;
  headers: Record<string, string>;
  log: Logger;
  credentials?: CredentialProvider | undefined;
  /** Checks every new connection (TLS pins, CA, loopback-only http) and records the key it presented. */
  identity?: IdentityOptions | undefined;
}

export class StreamableHttpTransport implements MessageTransport {
  private readonly options: HttpTransportOptions;
  private readonly agent: Agent;
  private readonly inFlight = new Map<JsonRpcId, AbortController>();
  private handlers: TransportHandlers | undefined;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private getStream: AbortController | undefined;
  private closed = false;

  constructor(options: HttpTransportOptions) {
    this.options = options;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      ...(options.identity ? { connect: identityConnector(options.identity) } : {}),
    });
  }

  /** The SPKI pin (base64) of the TLS key the upstream's latest connection presented; undefined for http. */
  get peerSpki(): string | undefined {
    return this.options.identity?.tracker.current;
  }

  /** True once a connection presented a different key than the first one seen. */
  get identityChanged(): boolean {
    return this.options.identity?.tracker.changed ?? false;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    this.handlers = handlers;
  }

  /** Legacy only: called after a successful initialize so later requests carry the negotiated version. */
  setNegotiatedVersion(version: string): void {
    this.protocolVersion = version;
  }

  /** Legacy only: opens the standalone GET stream for list_changed and other unsolicited messages. */
  openGetStream(attempt = 0): void {
    if (this.options.era !== 'legacy' || this.closed) return;
    const controller = new AbortController();
    this.getStream = controller;
    this.authenticated('GET', undefined, controller.signal, () => ({
      ...this.baseHeaders(),
      accept: 'text/event-stream',
    }))
      .then(async (res) => {
        if (res.statusCode !== 200) {
          await res.body.dump();
          return 'unsupported';
        }
        await this.consume(res.body, undefined);
        return 'ended';
      })
      .catch(() => 'failed' as const)
      .then((outcome) => {
        // 405 means the server offers no GET stream; otherwise reopen it (backing off) so list_changed keeps flowing.
        if (outcome === 'unsupported' || this.closed || controller.signal.aborted) return;
        const delay = Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5));
        setTimeout(() => this.openGetStream(outcome === 'ended' ? 0 : attempt + 1), delay).unref();
      });
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.closed) throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE');
    if (
      this.options.era === 'modern' &&
      'method' in message &&
      message.method === 'notifications/cancelled'
    ) {
      // Modern HTTP has no cancel notification: closing the response stream is the cancellation.
      const requestId = message.params?.['requestId'];
      if (typeof requestId === 'string' || typeof requestId === 'number')
        this.inFlight.get(requestId)?.abort();
      return;
    }
    const isRequest = 'method' in message && 'id' in message;
    const controller = new AbortController();
    if (isRequest) this.inFlight.set(message.id, controller);
    try {
      const extra = options.headers && this.options.era === 'modern' ? options.headers : undefined;
      const res = await this.authenticated(
        'POST',
        options.credential,
        controller.signal,
        () => ({
          ...extra,
          ...options.trace,
          ...this.headersFor(message),
        }),
        JSON.stringify(message),
      );
      if (!isRequest) {
        await res.body.dump();
        if (res.statusCode >= 400)
          this.options.log.warn('upstream refused a message', { status: res.statusCode });
        return;
      }
      const request_ = message as JsonRpcRequest;
      if (request_.method === 'initialize') {
        const sid = res.headers['mcp-session-id'];
        if (typeof sid === 'string') this.sessionId = sid;
      }
      if (res.statusCode === 404 && this.sessionId !== undefined && request_.method !== 'initialize') {
        await res.body.dump();
        this.handlers?.onClose(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', 'upstream session expired'));
        return;
      }
      const type = String(res.headers['content-type'] ?? '');
      if (type.includes('text/event-stream')) {
        await this.consume(res.body, request_.id, controller.signal);
        return;
      }
      const text = await readCapped(res.body, MAX_RESPONSE_BYTES, 'The upstream answer');
      const parsed = text.length > 0 ? parseJsonOrUndefined(text) : undefined;
      if (isObject(parsed) && ('result' in parsed || 'error' in parsed)) {
        this.deliver({ ...(parsed as object), id: request_.id } as JsonRpcMessage, request_.id);
        return;
      }
      this.deliver(
        {
          jsonrpc: '2.0',
          id: request_.id,
          error: {
            code: -32001,
            message: `upstream answered HTTP ${res.statusCode} without a JSON-RPC response`,
          },
        },
        request_.id,
      );
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof RampartError) throw err;
      // The detail (addresses, ports) goes to the operator's log, never to the client.
      this.options.log.warn('upstream request failed', { error: describe(err) });
      throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE');
    } finally {
      if (isRequest) this.inFlight.delete(message.id);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.getStream?.abort();
    for (const controller of this.inFlight.values()) controller.abort();
    if (this.options.era === 'legacy' && this.sessionId !== undefined) {
      await this.authenticated('DELETE', undefined, AbortSignal.timeout(2_000), () => this.baseHeaders())
        .then((res) => res.body.dump())
        .catch(() => undefined);
    }
    await this.agent.close().catch(() => undefined);
  }

  /**
   * One HTTP request with Rampart's credential for this upstream; on a 401/403 challenge the provider may refresh
   * or step up and the request is retried a bounded number of times.
   */
  private async authenticated(
    method: 'GET' | 'POST' | 'DELETE',
    credential: CredentialContext | undefined,
    signal: AbortSignal | undefined,
    headers: () => Record<string, string>,
    body?: string,
  ): Promise<Dispatcher.ResponseData> {
    const provider = this.options.credentials;
    for (let attempt = 0; ; attempt++) {
      const auth = provider ? await provider.headers(credential ?? {}) : {};
      const res = await request(this.options.url, {
        method,
        headers: { ...headers(), ...auth },
        body: body ?? null,
        signal,
        dispatcher: this.agent,
        // Response streams (GET, SSE answers, listen) may stay quiet for long; timeouts are Rampart's own.
        bodyTimeout: 0,
      });
      if (
        (res.statusCode !== 401 && res.statusCode !== 403) ||
        !provider?.challenge ||
        attempt >= MAX_AUTH_RETRIES
      ) {
        return res;
      }
      const challenge = res.headers['www-authenticate'];
      await res.body.dump();
      const retry = await provider.challenge(
        res.statusCode,
        Array.isArray(challenge) ? challenge.join(', ') : challenge,
        credential ?? {},
        auth,
      );
      if (!retry)
        throw new RampartError(
          'RAMPART_UPSTREAM_UNAVAILABLE',
          `upstream refused Rampart's credential (HTTP ${res.statusCode})`,
        );
    }
  }

  private deliver(message: JsonRpcMessage, relatedTo: JsonRpcId | undefined): void {
    this.handlers?.onMessage(message, relatedTo);
  }

  /**
   * Reads an SSE body. A legacy server may close a request's stream before answering (2025-11-25 "SSE polling");
   * the request is then resumed with GET + Last-Event-ID after the server's `retry` delay, a bounded number of times.
   */
  private async consume(
    body: Dispatcher.ResponseData['body'],
    relatedTo: JsonRpcId | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const state: StreamState = { lastEventId: undefined, retryMs: DEFAULT_RETRY_MS, answered: false };
    await this.readStream(body, relatedTo, state);
    for (let attempt = 0; attempt < MAX_RESUMES; attempt++) {
      const resumable =
        relatedTo !== undefined && this.options.era === 'legacy' && state.lastEventId !== undefined;
      if (state.answered || !resumable || this.closed || signal?.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, Math.min(state.retryMs, MAX_RETRY_MS)));
      if (this.closed || signal?.aborted) return;
      const res = await this.authenticated('GET', undefined, signal, () => ({
        ...this.baseHeaders(),
        accept: 'text/event-stream',
        'last-event-id': state.lastEventId!,
      }));
      if (res.statusCode !== 200) {
        await res.body.dump();
        continue;
      }
      await this.readStream(res.body, relatedTo, state);
    }
  }

  private async readStream(
    body: Dispatcher.ResponseData['body'],
    relatedTo: JsonRpcId | undefined,
    state: StreamState,
  ): Promise<void> {
    const feed = createSseParser(
      (event) => {
        if (event.id !== undefined) state.lastEventId = event.id;
        if (event.data === '') return; // priming event
        const parsed = parseJsonOrUndefined(event.data);
        if (!isObject(parsed)) return;
        if (relatedTo !== undefined && parsed['id'] === relatedTo && !('method' in parsed))
          state.answered = true;
        this.deliver(parsed as unknown as JsonRpcMessage, relatedTo);
      },
      (ms) => {
        state.retryMs = ms;
      },
    );
    body.setEncoding('utf8');
    for await (const chunk of body) feed(chunk as string);
  }

  private baseHeaders(): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers };
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    if (this.options.era === 'legacy' && this.protocolVersion !== undefined) {
      headers['mcp-protocol-version'] = this.protocolVersion;
    }
    return headers;
  }

  private headersFor(message: JsonRpcMessage): Record<string, string> {
    const headers = this.baseHeaders();
    headers['content-type'] = 'application/json';
    headers['accept'] = 'application/json, text/event-stream';
    if (this.options.era === 'modern' && 'method' in message) {
      headers['mcp-protocol-version'] = MODERN_VERSION;
      headers['mcp-method'] = message.method;
      const field = NAMED_METHODS[message.method];
      const value = field ? message.params?.[field] : undefined;
      if (typeof value === 'string') headers['mcp-name'] = encodeHeaderValue(value);
    } else if (this.options.era === 'legacy' && this.protocolVersion === undefined && 'method' in message) {
      if (message.method !== 'initialize') headers['mcp-protocol-version'] = LATEST_LEGACY_VERSION;
    }
    return headers;
  }
}

/** The largest JSON answer accepted from an upstream; SSE events are bounded by the parser. */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return 'request failed';
}
