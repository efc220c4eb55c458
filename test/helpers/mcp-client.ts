// A small raw MCP client for tests: legacy sessions and modern stateless requests over Streamable HTTP, JSON or
// SSE answers, and a hook to answer server-to-client requests that arrive on a response stream.
import { Agent, request } from 'undici';
import { createSseParser } from '../../src/upstream/sse-parser.ts';

export type Message = Record<string, unknown> & { id?: string | number; method?: string };

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Every JSON-RPC message received, in order (notifications, requests, then the response). */
  messages: Message[];
  /** The final response (the message carrying the request's id), if any. */
  response: Message | undefined;
  text: string;
}

const agent = new Agent({ keepAliveTimeout: 10_000, connections: 128 });

export const MODERN = '2026-07-28';
export const LEGACY = '2025-11-25';

export function modernMeta(capabilities: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': capabilities,
    'io.modelcontextprotocol/clientInfo': { name: 'test-client', version: '1.0.0' },
    ...extra,
  };
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Answers server-to-client requests seen on the stream (legacy); the answer is POSTed back. */
  onRequest?: (message: Message) => Promise<Record<string, unknown>> | Record<string, unknown>;
  signal?: AbortSignal;
  rawBody?: string | Buffer;
}

/** POSTs one message and reads the whole JSON or SSE answer. */
export async function post(
  url: string,
  message: Message | undefined,
  options: PostOptions = {},
): Promise<HttpAnswer> {
  const res = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...options.headers,
    },
    body: options.rawBody ?? JSON.stringify(message),
    dispatcher: agent,
    signal: options.signal,
  });
  const messages: Message[] = [];
  let text = '';
  const contentType = String(res.headers['content-type'] ?? '');
  if (contentType.includes('text/event-stream')) {
    const pending: Promise<unknown>[] = [];
    const feed = createSseParser((event) => {
      if (event.data === '') return;
      const parsed = JSON.parse(event.data) as Message;
      messages.push(parsed);
      if (parsed.method !== undefined && parsed.id !== undefined && options.onRequest) {
        pending.push(
          Promise.resolve(options.onRequest(parsed)).then((result) =>
            post(url, { jsonrpc: '2.0', id: parsed.id, result }, { headers: options.headers }),
          ),
        );
      }
    });
    res.body.setEncoding('utf8');
    for await (const chunk of res.body) {
      text += chunk;
      feed(chunk as string);
    }
    await Promise.all(pending);
  } else {
    text = await res.body.text();
    if (text.length > 0 && contentType.includes('application/json'))
      messages.push(JSON.parse(text) as Message);
  }
  const id = message?.id;
  const response =
    messages.find((m) => m.method === undefined && (id === undefined || m.id === id)) ??
    messages.find((m) => m.method === undefined && m.id === null);
  return { status: res.statusCode, headers: res.headers, messages, response, text };
}

/** A 2025-11-25 session: initialize, then requests carrying Mcp-Session-Id. */
export class LegacyClient {
  readonly url: string;
  sessionId: string | undefined;
  initializeResult: Record<string, unknown> | undefined;
  private nextId = 1;
  private readonly capabilities: Record<string, unknown>;
  /** Sent with every request, initialize included (e.g. an Authorization header). */
  private readonly extraHeaders: Record<string, string>;

  constructor(
    url: string,
    capabilities: Record<string, unknown> = {},
    extraHeaders: Record<string, string> = {},
  ) {
    this.url = url;
    this.capabilities = capabilities;
    this.extraHeaders = extraHeaders;
  }

  headers(): Record<string, string> {
    return this.sessionId
      ? { ...this.extraHeaders, 'mcp-session-id': this.sessionId, 'mcp-protocol-version': LEGACY }
      : { ...this.extraHeaders };
  }

  async initialize(): Promise<Record<string, unknown>> {
    const answer = await post(
      this.url,
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: LEGACY,
          capabilities: this.capabilities,
          clientInfo: { name: 'test', version: '1' },
        },
      },
      { headers: this.extraHeaders },
    );
    if (answer.status !== 200 || !answer.response?.['result'])
      throw new Error(`initialize failed: ${answer.status} ${answer.text}`);
    this.sessionId = String(answer.headers['mcp-session-id']);
    this.initializeResult = answer.response['result'] as Record<string, unknown>;
    await post(
      this.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { headers: this.headers() },
    );
    return this.initializeResult;
  }

  async request(
    method: string,
    params?: Record<string, unknown>,
    options: PostOptions = {},
  ): Promise<HttpAnswer> {
    const id = this.nextId++;
    const message: Message = { jsonrpc: '2.0', id, method };
    if (params) message['params'] = params;
    return post(this.url, message, { ...options, headers: { ...this.headers(), ...options.headers } });
  }

  /** The result of a request, failing the test with the error when there is none. */
  async result(
    method: string,
    params?: Record<string, unknown>,
    options: PostOptions = {},
  ): Promise<Record<string, unknown>> {
    const answer = await this.request(method, params, options);
    const result = answer.response?.['result'];
    if (!result) throw new Error(`${method} failed: ${answer.status} ${answer.text.slice(0, 500)}`);
    return result as Record<string, unknown>;
  }

  notify(method: string, params?: Record<string, unknown>): Promise<HttpAnswer> {
    const message: Message = { jsonrpc: '2.0', method };
    if (params) message['params'] = params;
    return post(this.url, message, { headers: this.headers() });
  }

  async close(): Promise<number> {
    const res = await request(this.url, { method: 'DELETE', headers: this.headers(), dispatcher: agent });
    await res.body.dump();
    return res.statusCode;
  }
}

let modernId = 1;
/** One 2026-07-28 request with the headers the transport requires. */
export function modernRequest(
  url: string,
  method: string,
  params: Record<string, unknown> = {},
  options: {
    capabilities?: Record<string, unknown>;
    meta?: Record<string, unknown>;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...options.headers,
  };
  const name = params['name'] ?? params['uri'] ?? params['taskId'];
  if (
    ['tools/call', 'prompts/get', 'resources/read', 'tasks/get', 'tasks/update', 'tasks/cancel'].includes(
      method,
    ) &&
    typeof name === 'string' &&
    !('mcp-name' in headers)
  ) {
    headers['mcp-name'] = name;
  }
  const message: Message = {
    jsonrpc: '2.0',
    id: `m${modernId++}`,
    method,
    params: { ...params, _meta: modernMeta(options.capabilities, options.meta) },
  };
  return post(url, message, { headers, signal: options.signal });
}

/** The JSON-RPC error of an answer; fails when the answer carries none. */
export function rpcError(answer: HttpAnswer): {
  code: number;
  message: string;
  data: { code?: string } & Record<string, unknown>;
} {
  const error = answer.response?.['error'];
  if (!error) throw new Error(`expected a JSON-RPC error, got ${answer.status} ${answer.text.slice(0, 300)}`);
  return error as { code: number; message: string; data: { code?: string } & Record<string, unknown> };
}

export interface OpenStream {
  status: number;
  messages: Message[];
  /** Resolves with the first message (already received or future) that matches. */
  next(match: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  close(): void;
}

/** Opens a long-lived stream (legacy GET or modern subscriptions/listen) and collects its messages as they come. */
export async function openStream(
  url: string,
  init: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: Message },
): Promise<OpenStream> {
  const controller = new AbortController();
  const res = await request(url, {
    method: init.method,
    headers: {
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
      ...init.headers,
    },
    body: init.body ? JSON.stringify(init.body) : null,
    signal: controller.signal,
    dispatcher: agent,
  });
  const messages: Message[] = [];
  const waiters: Array<() => void> = [];
  const feed = createSseParser((event) => {
    if (event.data === '') return;
    messages.push(JSON.parse(event.data) as Message);
    for (const wake of waiters.splice(0)) wake();
  });
  res.body.setEncoding('utf8');
  void (async () => {
    try {
      for await (const chunk of res.body) feed(chunk as string);
    } catch {
      // aborted by close()
    }
  })();
  return {
    status: res.statusCode,
    messages,
    async next(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
    close: () => controller.abort(),
  };
}

/** The JSON-RPC result of an answer; fails when the answer carries none. */
export function rpcResult(answer: HttpAnswer): Record<string, unknown> {
  const result = answer.response?.['result'];
  if (!result)
    throw new Error(`expected a JSON-RPC result, got ${answer.status} ${answer.text.slice(0, 300)}`);
  return result as Record<string, unknown>;
}
