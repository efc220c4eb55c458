// The deprecated HTTP+SSE transport (2024-11-05): one GET event stream for everything the server sends, whose
// first `endpoint` event names the URL to POST messages to. No per-request correlation exists on this wire.
import { Agent, request } from 'undici';
import { isObject, type JsonRpcMessage } from '../core/jsonrpc.ts';
import { RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import type { SendOptions } from './credentials/provider.ts';
import { type IdentityOptions, identityConnector } from './identity-connector.ts';
import { createSseParser } from './sse-parser.ts';
import type { MessageTransport, TransportHandlers } from './transport.ts';

export class LegacySseTransport implements MessageTransport {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly log: Logger;
  private readonly agent: Agent;
  private readonly identity: IdentityOptions | undefined;
  private readonly controller = new AbortController();
  private endpoint: string | undefined;
  private readonly connectMs: number;

  constructor(
    url: string,
    headers: Record<string, string>,
    log: Logger,
    connectMs = 30_000,
    identity?: IdentityOptions,
  ) {
    this.identity = identity;
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 16,
      ...(identity ? { connect: identityConnector(identity) } : {}),
    });
    this.connectMs = connectMs;
    this.url = url;
    this.headers = headers;
    this.log = log;
  }

  /** The SPKI pin (base64) of the TLS key the upstream's latest connection presented; undefined for http. */
  get peerSpki(): string | undefined {
    return this.identity?.tracker.current;
  }

  /** True once a connection presented a different key than the first one seen. */
  get identityChanged(): boolean {
    return this.identity?.tracker.changed ?? false;
  }

  async start(handlers: TransportHandlers): Promise<void> {
    const res = await request(this.url, {
      method: 'GET',
      headers: { ...this.headers, accept: 'text/event-stream' },
      signal: this.controller.signal,
      dispatcher: this.agent,
      bodyTimeout: 0, // the event stream is long-lived and may be quiet for a long time
    }).catch((err: Error) => {
      if (err instanceof RampartError) throw err;
      throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', err.message);
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `SSE endpoint answered HTTP ${res.statusCode}`);
    }
    let resolveEndpoint: () => void = () => undefined;
    let failEndpoint: (err: Error) => void = () => undefined;
    // The stream may end, or stay silent, without ever naming the endpoint: never wait forever.
    const timer = setTimeout(
      () => failEndpoint(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', 'no endpoint event')),
      this.connectMs,
    );
    const gotEndpoint = new Promise<void>((resolve, reject) => {
      failEndpoint = reject;
      resolveEndpoint = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    const feed = createSseParser((event) => {
      if (event.event === 'endpoint') {
        const target = new URL(event.data, this.url);
        if (target.origin !== new URL(this.url).origin) {
          this.log.error('SSE endpoint event points to another origin; refusing it', {
            endpoint: target.origin,
          });
          return;
        }
        this.endpoint = target.href;
        resolveEndpoint();
        return;
      }
      if (event.event !== 'message' || event.data === '') return;
      try {
        const parsed: unknown = JSON.parse(event.data);
        if (isObject(parsed)) handlers.onMessage(parsed as unknown as JsonRpcMessage);
      } catch {
        this.log.warn('upstream sent a non-JSON SSE message');
      }
    });
    res.body.setEncoding('utf8');
    void (async () => {
      try {
        for await (const chunk of res.body) feed(chunk as string);
        failEndpoint(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', 'SSE stream ended'));
        handlers.onClose(new RampartError('RAMPART_UPSTREAM_CRASHED', 'SSE stream ended'));
      } catch {
        failEndpoint(new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', 'SSE stream failed'));
        handlers.onClose(new RampartError('RAMPART_UPSTREAM_CRASHED', 'SSE stream failed'));
      }
    })();
    try {
      await gotEndpoint;
    } catch (err) {
      clearTimeout(timer);
      this.controller.abort();
      throw err;
    }
  }

  async send(message: JsonRpcMessage, options?: SendOptions): Promise<void> {
    if (this.endpoint === undefined) throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE');
    const res = await request(this.endpoint, {
      method: 'POST',
      headers: { ...options?.trace, ...this.headers, 'content-type': 'application/json' },
      body: JSON.stringify(message),
      dispatcher: this.agent,
    });
    await res.body.dump();
    if (res.statusCode >= 400)
      throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `POST answered ${res.statusCode}`);
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.agent.close().catch(() => undefined);
  }
}
