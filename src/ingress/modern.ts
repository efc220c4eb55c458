// The 2026-07-28 side of the endpoint: stateless POSTs whose headers must mirror the body (400 / -32020),
// per-request `_meta` (version, client capabilities, log level), server/discover, subscriptions/listen streams,
// results tagged with resultType and cache hints, and a closed response stream treated as cancellation.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticated } from '../auth/authenticator.ts';
import type { DownstreamCall } from '../core/call.ts';
import { isLogLevel } from '../core/call.ts';
import type { Gateway } from '../core/gateway.ts';
import {
  type Classified,
  failure,
  isObject,
  type JsonObject,
  type JsonRpcRequest,
  success,
} from '../core/jsonrpc.ts';
import {
  decodeHeaderValue,
  LEGACY_VERSIONS,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  MODERN_VERSIONS,
  NAMED_METHODS,
} from '../core/protocol.ts';
import { RampartError } from '../errors.ts';
import type { Pipeline } from '../guards/pipeline.ts';
import { header } from './headers.ts';
import type { ListenHub } from './listen-hub.ts';
import { errorOf, retryAfterHeader } from './reply.ts';
import { type Channel, ResponseChannel } from './response-channel.ts';

/** Modern errors that the transport answers at the HTTP level too, whether Rampart or the upstream raised them. */
/** A Map, not an object: an upstream's error code is untrusted and must not reach Object.prototype. */
const MODERN_ERROR_STATUS = new Map<unknown, number>([
  [-32020, 400],
  [-32021, 400],
  [-32022, 400],
  [-32601, 404],
]);
/** Rampart errors with their own HTTP status, keyed by the stable `data.code` (JSON-RPC codes are shared). */
const MODERN_RAMPART_STATUS: ReadonlyMap<unknown, number> = new Map([['RAMPART_RATE_LIMITED', 429]]);

/** Answers a failed modern request: an HTTP status for the errors that have one, Retry-After when known. */
function finishError(channel: Channel, id: JsonRpcRequest['id'], error: ReturnType<typeof errorOf>): void {
  const stable = isObject(error.data) ? error.data['code'] : undefined;
  const status = MODERN_RAMPART_STATUS.get(stable) ?? MODERN_ERROR_STATUS.get(error.code) ?? 200;
  channel.finish(failure(id, error), status, retryAfterHeader(error));
}

const CACHEABLE = new Set([
  'server/discover',
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);
/** Methods a modern client may send; anything else is 404 / -32601 at the HTTP level. */
const MODERN_METHODS = new Set([
  'server/discover',
  'subscriptions/listen',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'completion/complete',
  'tasks/get',
  'tasks/update',
  'tasks/cancel',
]);

export interface ModernDeps {
  gateway: Gateway;
  pipeline: Pipeline;
  listeners: ListenHub;
  track<T>(work: Promise<T>): Promise<T>;
}

/** True when the message or its headers announce the 2026-07-28 era (rather than an initialize-based one). */
export function isModernRequest(req: IncomingMessage, msg: Classified): boolean {
  if (msg.kind === 'response') return false;
  const meta = msg.message.params?.['_meta'];
  if (isObject(meta) && META_PROTOCOL_VERSION in meta) return true;
  if (header(req, 'mcp-session-id') !== undefined) return false;
  const version = header(req, 'mcp-protocol-version');
  return version !== undefined && !(LEGACY_VERSIONS as readonly string[]).includes(version);
}

/**
 * Header-body validation (Streamable HTTP "Server Validation"): a missing or mismatched header is 400 / -32020,
 * checked before the version itself so that a header/body disagreement is never reported as "unsupported".
 */
function validateHeaders(req: IncomingMessage, request: JsonRpcRequest): string {
  const meta = request.params?.['_meta'];
  const bodyVersion = isObject(meta) ? meta[META_PROTOCOL_VERSION] : undefined;
  if (typeof bodyVersion !== 'string') {
    throw new RampartError('RAMPART_INVALID_PARAMS', `_meta["${META_PROTOCOL_VERSION}"] is required.`);
  }
  if (!isObject((meta as JsonObject)[META_CLIENT_CAPABILITIES])) {
    throw new RampartError('RAMPART_INVALID_PARAMS', `_meta["${META_CLIENT_CAPABILITIES}"] is required.`);
  }
  const headerVersion = header(req, 'mcp-protocol-version');
  if (headerVersion === undefined) throw mismatch('MCP-Protocol-Version header is required.');
  if (headerVersion !== bodyVersion) throw mismatch('MCP-Protocol-Version header does not match the body.');
  if (!(MODERN_VERSIONS as readonly string[]).includes(bodyVersion)) {
    throw new RampartError(
      'RAMPART_UNSUPPORTED_PROTOCOL_VERSION',
      `Unsupported protocol version: ${bodyVersion}`,
      {
        supported: [...MODERN_VERSIONS],
        requested: bodyVersion,
      },
    );
  }
  const method = header(req, 'mcp-method');
  if (method === undefined) throw mismatch('Mcp-Method header is required.');
  if (method !== request.method) throw mismatch('Mcp-Method header does not match the body.');
  const field = NAMED_METHODS[request.method];
  if (field !== undefined) {
    const raw = header(req, 'mcp-name');
    if (raw === undefined) throw mismatch('Mcp-Name header is required.');
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) throw mismatch('Mcp-Name header has a malformed Base64 value.');
    if (decoded !== request.params?.[field]) throw mismatch('Mcp-Name header does not match the body.');
  }
  return bodyVersion;
}

function mismatch(detail: string): RampartError {
  return new RampartError('RAMPART_HEADER_MISMATCH', detail);
}

export async function handleModernPost(
  req: IncomingMessage,
  res: ServerResponse,
  msg: Classified,
  deps: ModernDeps,
  auth: Authenticated | undefined,
): Promise<void> {
  if (msg.kind !== 'request') {
    // No client notifications are defined for modern HTTP; closing a stream is how a client cancels.
    res.writeHead(202).end();
    return;
  }
  const request = msg.message;
  // Validation failures are thrown: the HTTP listener answers them with this request's id and records them.
  const version = validateHeaders(req, request);
  if (!MODERN_METHODS.has(request.method)) {
    throw new RampartError('RAMPART_METHOD_NOT_FOUND', `Method not found: ${request.method}`);
  }
  const controller = new AbortController();
  const channel = new ResponseChannel(res);
  res.on('close', () => {
    if (!channel.closed || !res.writableFinished) controller.abort();
  });
  const call = modernCall(request, version, channel, controller.signal, paramHeadersOf(req), auth);
  call.trace.headers = req.headers;
  call.trace.remoteAddress = req.socket.remoteAddress;
  if (request.method === 'subscriptions/listen') {
    // Decided and recorded like every request (the stream opens upstream subscriptions); opened only once its
    // event is durable.
    try {
      await deps.pipeline.run(call, async () => async () => ({}));
    } catch (err) {
      finishError(channel, request.id, errorOf(err));
      return;
    }
    await deps.listeners.open(call, channel);
    return;
  }
  try {
    const result = await deps.track(
      deps.pipeline.run(call, () =>
        request.method === 'server/discover'
          ? Promise.resolve(async () => deps.gateway.discoverResult())
          : deps.gateway.route(call),
      ),
    );
    channel.finish(success(request.id, decorate(request.method, result)));
  } catch (err) {
    if (controller.signal.aborted) return; // the client closed the stream: nothing more may be sent
    finishError(channel, request.id, errorOf(err));
  }
}

/** Every modern result carries resultType; list and read results carry cache hints (private: lists are per caller). */
export function decorate(method: string, result: JsonObject): JsonObject {
  const out: JsonObject = { ...result };
  if (typeof out['resultType'] !== 'string') out['resultType'] = 'complete';
  if (out['resultType'] === 'complete' && CACHEABLE.has(method)) {
    if (typeof out['ttlMs'] !== 'number') out['ttlMs'] = 0;
    if (out['cacheScope'] !== 'public' && out['cacheScope'] !== 'private') out['cacheScope'] = 'private';
    if (method !== 'resources/read') out['cacheScope'] = 'private';
  }
  return out;
}

/** The Mcp-Param-* headers of a request, which intermediaries must forward unchanged. */
export function paramHeadersOf(req: IncomingMessage | undefined): Record<string, string> {
  const found: Record<string, string> = {};
  if (!req) return found;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('mcp-param-') && typeof value === 'string') found[name] = value;
  }
  return found;
}

export function modernCall(
  request: JsonRpcRequest,
  version: string,
  channel: Channel,
  signal: AbortSignal,
  paramHeaders: Record<string, string> = {},
  auth: Authenticated | undefined = undefined,
): DownstreamCall {
  const meta = isObject(request.params?.['_meta']) ? request.params['_meta'] : {};
  const logLevel = meta[META_LOG_LEVEL];
  return {
    era: 'modern',
    id: request.id,
    method: request.method,
    params: request.params,
    protocolVersion: version,
    clientCapabilities: isObject(meta[META_CLIENT_CAPABILITIES]) ? meta[META_CLIENT_CAPABILITIES] : {},
    clientInfo: isObject(meta[META_CLIENT_INFO]) ? meta[META_CLIENT_INFO] : undefined,
    logLevel: isLogLevel(logLevel) ? logLevel : undefined,
    sessionId: undefined,
    signal,
    trace: { server: undefined },
    principal: auth?.principal,
    subjectToken: auth?.token,
    paramHeaders,
    notify: (notification) => channel.send(notification),
    sendRequest: undefined,
  };
}
