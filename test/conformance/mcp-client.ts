// A tiny downstream MCP client (2025-11-25 Streamable HTTP, one session) written against the spec rather than
// an SDK, so what the conformance harness sees is exactly what Rampart put on the wire.
import { readSse } from './sse.ts';

export type Json = Record<string, unknown>;
export type RequestId = string | number;

/** Answers a server-to-client request that arrived on a POST's SSE stream (elicitation, sampling, roots). */
export type ServerRequestHandler = (method: string, params: Json | undefined) => Promise<Json>;

export interface ClientOptions {
  onServerRequest?: ServerRequestHandler;
  onNotification?: (method: string, params: Json | undefined) => void;
  /** Per-request bound: a scenario must never hang the harness past the suite's own timeout. */
  timeoutMs?: number;
}

export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(`JSON-RPC error ${code}: ${message}`);
    this.code = code;
    this.data = data;
  }
}

const PROTOCOL_VERSION = '2025-11-25';

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class McpHttpClient {
  readonly url: string;
  private readonly options: ClientOptions;
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private nextId = 1;
  serverInfo: Json | undefined;
  serverCapabilities: Json = {};

  constructor(url: string, options: ClientOptions = {}) {
    this.url = url;
    this.options = options;
  }

  /** initialize + notifications/initialized; declares the client capabilities the scenarios need. */
  async initialize(
    capabilities: Json = { elicitation: { form: {} }, sampling: {}, roots: {} },
  ): Promise<Json> {
    const result = await this.request('initialize', {
      protocolVersion: PROTOCOL_VERSION,
      capabilities,
      clientInfo: { name: 'rampart-conformance-harness', version: '0.1.0' },
    });
    this.protocolVersion =
      typeof result['protocolVersion'] === 'string' ? result['protocolVersion'] : undefined;
    this.serverInfo = isJson(result['serverInfo']) ? result['serverInfo'] : undefined;
    this.serverCapabilities = isJson(result['capabilities']) ? result['capabilities'] : {};
    await this.notify('notifications/initialized');
    return result;
  }

  async notify(method: string, params?: Json): Promise<void> {
    const res = await this.post(params === undefined ? { method } : { method, params });
    await res.body?.cancel();
    if (res.status !== 202 && res.status !== 200) throw new Error(`${method}: HTTP ${res.status}`);
  }

  /** Sends one request and returns its result; server requests on the stream are answered meanwhile. */
  async request(method: string, params?: Json): Promise<Json> {
    const id = this.nextId++;
    const res = await this.post(params === undefined ? { id, method } : { id, method, params });
    if (method === 'initialize') this.sessionId = res.headers.get('mcp-session-id') ?? undefined;
    const type = res.headers.get('content-type') ?? '';
    if (type.includes('text/event-stream') && res.body) return this.fromStream(method, id, res.body);
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method}: HTTP ${res.status} with a non-JSON body: ${text.slice(0, 200)}`);
    }
    return this.settle(method, body);
  }

  /** Ends the session (DELETE); errors are irrelevant at this point. */
  async close(): Promise<void> {
    if (this.sessionId === undefined) return;
    await fetch(this.url, { method: 'DELETE', headers: this.headers(), signal: AbortSignal.timeout(2_000) })
      .then((res) => res.body?.cancel())
      .catch(() => undefined);
  }

  private async fromStream(method: string, id: RequestId, body: ReadableStream<Uint8Array>): Promise<Json> {
    const answering: Promise<void>[] = [];
    for await (const event of readSse(body)) {
      if (event.data === '') continue; // priming event
      const message: unknown = JSON.parse(event.data);
      if (!isJson(message)) continue;
      if ('method' in message && 'id' in message) {
        answering.push(this.answer(message));
        continue;
      }
      if ('method' in message) {
        this.options.onNotification?.(
          String(message['method']),
          isJson(message['params']) ? message['params'] : undefined,
        );
        continue;
      }
      if (message['id'] === id) {
        await Promise.all(answering);
        return this.settle(method, message);
      }
    }
    throw new Error(`${method}: the SSE stream ended without a response`);
  }

  private async answer(request: Json): Promise<void> {
    const id = request['id'] as RequestId;
    const method = String(request['method']);
    const params = isJson(request['params']) ? request['params'] : undefined;
    let reply: Json;
    try {
      if (!this.options.onServerRequest) throw new RpcError(-32601, `no handler for ${method}`);
      reply = { id, result: await this.options.onServerRequest(method, params) };
    } catch (err) {
      const code = err instanceof RpcError ? err.code : -32603;
      reply = { id, error: { code, message: err instanceof Error ? err.message : String(err) } };
    }
    const res = await this.post(reply);
    await res.body?.cancel();
  }

  private settle(method: string, body: unknown): Json {
    if (!isJson(body)) throw new Error(`${method}: the response is not a JSON object`);
    if (isJson(body['error'])) {
      const error = body['error'];
      throw new RpcError(Number(error['code']), String(error['message']), error['data']);
    }
    if (!isJson(body['result'])) throw new Error(`${method}: the response has neither result nor error`);
    return body['result'];
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.sessionId !== undefined) headers['mcp-session-id'] = this.sessionId;
    if (this.protocolVersion !== undefined) headers['mcp-protocol-version'] = this.protocolVersion;
    return headers;
  }

  private post(message: Json): Promise<Response> {
    return fetch(this.url, {
      method: 'POST',
      headers: {
        ...this.headers(),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
    });
  }
}
