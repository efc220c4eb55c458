// One HTTP response carrying a JSON-RPC exchange: plain JSON when the result is all there is, switching to an
// SSE stream as soon as something must be sent before the result (progress, logs, legacy server requests).
import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '../core/jsonrpc.ts';

/** Where the messages of one exchange go: an HTTP response here, stdout in `rampart stdio`. */
export interface Channel {
  readonly closed: boolean;
  send(message: JsonRpcMessage): void;
  /** `headers` are added to a plain JSON response; a response already streaming has sent its headers. */
  finish(message: JsonRpcMessage, status?: number, headers?: Record<string, string>): void;
  ping(): void;
  end(): void;
}

export class ResponseChannel implements Channel {
  private readonly res: ServerResponse;
  private readonly headers: Record<string, string>;
  private streaming = false;
  private ended = false;

  constructor(res: ServerResponse, headers: Record<string, string> = {}) {
    this.res = res;
    this.headers = headers;
  }

  /** True once the client went away or the final message was written. */
  get closed(): boolean {
    return this.ended || this.res.destroyed || this.res.writableEnded;
  }

  /** Opens the event stream now (long-lived streams: GET, subscriptions/listen). */
  openStream(): void {
    if (this.streaming || this.closed) return;
    this.streaming = true;
    this.res.writeHead(200, {
      ...this.headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    this.res.flushHeaders();
  }

  /** Sends a message that precedes the final one. */
  send(message: JsonRpcMessage): void {
    if (this.closed) return;
    this.openStream();
    this.res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** A keep-alive comment for long-lived streams. */
  ping(): void {
    if (this.streaming && !this.closed) this.res.write(':\n\n');
  }

  /** Sends the final message and ends the response (`status` and `headers` only apply when not streaming). */
  finish(message: JsonRpcMessage, status = 200, headers: Record<string, string> = {}): void {
    if (this.closed) return;
    this.ended = true;
    if (this.streaming) {
      this.res.end(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
      return;
    }
    const body = JSON.stringify(message);
    this.res.writeHead(status, {
      ...this.headers,
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    this.res.end(body);
  }

  /** Ends a stream without a final message. */
  end(): void {
    if (this.closed) return;
    this.ended = true;
    if (!this.streaming) {
      this.res.writeHead(202, this.headers);
    }
    this.res.end();
  }
}
