// The 2025-11-25 side of the endpoint: initialize creates a session; later POSTs carry Mcp-Session-Id (404 when
// unknown or terminated); GET opens a stream for unsolicited messages; DELETE ends the session.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Authenticated } from '../auth/authenticator.ts';
import { principalKey } from '../auth/principal.ts';
import type { DownstreamCall } from '../core/call.ts';
import { isLogLevel } from '../core/call.ts';
import type { Forward, Gateway } from '../core/gateway.ts';
import {
  type Classified,
  failure,
  isObject,
  type JsonObject,
  type JsonRpcRequest,
  PeerError,
  success,
} from '../core/jsonrpc.ts';
import { LATEST_LEGACY_VERSION, LEGACY_VERSIONS, MODERN_VERSIONS, RAMPART_INFO } from '../core/protocol.ts';
import { RampartError } from '../errors.ts';
import type { Pipeline } from '../guards/pipeline.ts';
import { header } from './headers.ts';
import { errorOf, replyError, retryAfterHeader } from './reply.ts';
import { type Channel, ResponseChannel } from './response-channel.ts';
import type { LegacySession, SessionStore } from './sessions.ts';

const KEEPALIVE_MS = 15_000;

export interface LegacyDeps {
  gateway: Gateway;
  pipeline: Pipeline;
  sessions: SessionStore;
  track<T>(work: Promise<T>): Promise<T>;
}

/** Looks up the session a request names; RAMPART_SESSION_REQUIRED or RAMPART_SESSION_NOT_FOUND otherwise. */
/**
 * Looks up the session a request names. A session belongs to the principal that opened it: another principal
 * presenting its id gets the same 404 as an unknown id (no oracle for valid ids).
 */
function sessionOf(req: IncomingMessage, deps: LegacyDeps, auth: Authenticated | undefined): LegacySession {
  const id = header(req, 'mcp-session-id');
  if (id === undefined) throw new RampartError('RAMPART_SESSION_REQUIRED');
  const session = deps.sessions.get(id);
  if (!session) throw new RampartError('RAMPART_SESSION_NOT_FOUND');
  if (session.owner !== (auth ? principalKey(auth.principal) : undefined)) {
    throw new RampartError('RAMPART_SESSION_NOT_FOUND');
  }
  const version = header(req, 'mcp-protocol-version');
  if (version !== undefined && !(LEGACY_VERSIONS as readonly string[]).includes(version)) {
    throw new RampartError(
      'RAMPART_UNSUPPORTED_PROTOCOL_VERSION',
      `Unsupported MCP-Protocol-Version: ${version}`,
      {
        supported: [...LEGACY_VERSIONS, ...MODERN_VERSIONS],
      },
    );
  }
  return session;
}

export async function handleLegacyPost(
  req: IncomingMessage,
  res: ServerResponse,
  msg: Classified,
  deps: LegacyDeps,
  auth: Authenticated | undefined,
): Promise<void> {
  if (msg.kind === 'request' && msg.message.method === 'initialize') {
    if (header(req, 'mcp-session-id') !== undefined) {
      // Re-initializing inside a session is a protocol error; an unknown id still gets 404.
      sessionOf(req, deps, auth);
      throw new RampartError('RAMPART_INVALID_REQUEST', 'The session is already initialized.');
    }
    return initialize(res, msg.message, deps, auth);
  }
  const session = sessionOf(req, deps, auth);
  if (msg.kind === 'response') {
    const pending = session.clientRequests.get(String(msg.message.id));
    if (pending) {
      session.clientRequests.delete(String(msg.message.id));
      if ('error' in msg.message) pending.reject(new PeerError(msg.message.error));
      else pending.resolve(msg.message.result);
    }
    res.writeHead(202).end();
    return;
  }
  if (msg.kind === 'notification') {
    const { method, params } = msg.message;
    if (method === 'notifications/initialized') session.initialized = true;
    else if (method === 'notifications/cancelled') {
      const requestId = params?.['requestId'];
      if (typeof requestId === 'string' || typeof requestId === 'number')
        session.inflight.get(requestId)?.abort();
    } else deps.gateway.handleNotification(msg.message);
    res.writeHead(202).end();
    return;
  }
  await dispatch(res, msg.message, session, deps, auth);
}

async function initialize(
  res: ServerResponse,
  request: JsonRpcRequest,
  deps: LegacyDeps,
  auth: Authenticated | undefined,
): Promise<void> {
  const params = request.params ?? {};
  const requested = typeof params['protocolVersion'] === 'string' ? params['protocolVersion'] : '';
  const version = (LEGACY_VERSIONS as readonly string[]).includes(requested)
    ? requested
    : LATEST_LEGACY_VERSION;
  const capabilities = isObject(params['capabilities']) ? params['capabilities'] : {};
  const clientInfo = isObject(params['clientInfo']) ? params['clientInfo'] : undefined;
  const session = deps.sessions.create(
    version,
    capabilities,
    clientInfo,
    auth ? principalKey(auth.principal) : undefined,
  );
  const call = legacyCall(request, session, new ResponseChannel(res), new AbortController().signal, auth);
  call.trace.headers = res.req?.headers;
  call.trace.remoteAddress = res.req?.socket.remoteAddress;
  let result: JsonObject;
  try {
    result = await deps.pipeline.run(call, async () => async () => {
      const answer: JsonObject = {
        protocolVersion: version,
        capabilities: deps.gateway.capabilities(),
        serverInfo: RAMPART_INFO,
      };
      const instructions = deps.gateway.instructions();
      if (instructions !== undefined) answer['instructions'] = instructions;
      return answer;
    });
  } catch (err) {
    // A refused initialize must not keep holding one of the capped session slots.
    deps.sessions.delete(session.id);
    // Answered here, not rethrown: the pipeline has recorded this request already, and the listener would
    // record it a second time as an ingress refusal.
    replyError(res, err, request.id);
    return;
  }
  new ResponseChannel(res, { 'mcp-session-id': session.id }).finish(success(request.id, result));
}

async function dispatch(
  res: ServerResponse,
  request: JsonRpcRequest,
  session: LegacySession,
  deps: LegacyDeps,
  auth: Authenticated | undefined,
): Promise<void> {
  const controller = new AbortController();
  const channel = new ResponseChannel(res);
  session.inflight.set(request.id, controller);
  const call = legacyCall(request, session, channel, controller.signal, auth);
  call.trace.headers = res.req?.headers;
  call.trace.remoteAddress = res.req?.socket.remoteAddress;
  try {
    const result = await deps.track(deps.pipeline.run(call, () => routeLegacy(call, session, deps)));
    channel.finish(success(request.id, result));
  } catch (err) {
    if (controller.signal.aborted) {
      // A cancelled request gets no response (cancellation spec); close the stream if one is open.
      channel.end();
      return;
    }
    // Legacy answers errors with HTTP 200; a rate limit still tells the client when to retry.
    const error = errorOf(err);
    channel.finish(failure(request.id, error), 200, retryAfterHeader(error));
  } finally {
    session.inflight.delete(request.id);
  }
}

/**
 * Routes a legacy request. Resource subscriptions are remembered per session so updates reach only subscribers and
 * are released on close; logging/setLevel sets the session's own level.
 */
export async function routeLegacy(
  call: DownstreamCall,
  session: LegacySession,
  deps: Pick<LegacyDeps, 'gateway'>,
): Promise<Forward> {
  const forward = await deps.gateway.route(call);
  const uri = call.params?.['uri'];
  if (call.method === 'resources/subscribe' && typeof uri === 'string') {
    return async (params) => {
      if (!session.subscriptions.has(uri)) await forward(params);
      session.subscriptions.add(uri);
      return {};
    };
  }
  if (call.method === 'resources/unsubscribe' && typeof uri === 'string') {
    return async (params) => {
      if (session.subscriptions.delete(uri)) await forward(params);
      return {};
    };
  }
  return async (params) => {
    const result = await forward(params);
    // logging/setLevel is per session: the gateway filters upstream messages against this level.
    const level = params?.['level'];
    if (call.method === 'logging/setLevel' && isLogLevel(level)) session.logLevel = level;
    return result;
  };
}

export function legacyCall(
  request: JsonRpcRequest,
  session: LegacySession,
  channel: Channel,
  signal: AbortSignal,
  auth: Authenticated | undefined,
): DownstreamCall {
  return {
    era: 'legacy',
    id: request.id,
    method: request.method,
    params: request.params,
    protocolVersion: session.protocolVersion,
    clientCapabilities: session.clientCapabilities,
    clientInfo: session.clientInfo,
    get logLevel() {
      return session.logLevel;
    },
    sessionId: session.id,
    signal,
    trace: { server: undefined },
    principal: auth?.principal,
    subjectToken: auth?.token,
    paramHeaders: {},
    notify: (notification) => channel.send(notification),
    sendRequest: (method, params, abort) =>
      new Promise<JsonObject>((resolve, reject) => {
        const id = session.nextRequestId();
        const message: JsonRpcRequest = { jsonrpc: '2.0', id, method };
        if (params !== undefined) message.params = params;
        session.clientRequests.set(id, { resolve, reject });
        abort.addEventListener(
          'abort',
          () => {
            if (!session.clientRequests.delete(id)) return;
            const cancel = {
              jsonrpc: '2.0' as const,
              method: 'notifications/cancelled',
              params: { requestId: id },
            };
            if (channel.closed) session.notify(cancel);
            else channel.send(cancel);
            reject(new RampartError('RAMPART_CANCELLED'));
          },
          { once: true },
        );
        if (!channel.closed) channel.send(message);
        else if (!session.notify(message)) {
          session.clientRequests.delete(id);
          reject(new RampartError('RAMPART_CANCELLED', 'The client closed the stream for this request.'));
        }
      }),
  };
}

/** GET: a standalone stream for messages unrelated to any request (list_changed, resource updates). */
export function handleLegacyGet(
  req: IncomingMessage,
  res: ServerResponse,
  deps: LegacyDeps,
  auth: Authenticated | undefined,
): void {
  const accept = header(req, 'accept') ?? '';
  if (!accept.includes('text/event-stream')) throw new RampartError('RAMPART_NOT_ACCEPTABLE');
  const session = sessionOf(req, deps, auth);
  const channel = new ResponseChannel(res);
  channel.openStream();
  session.streams.add(channel);
  const keepalive = setInterval(() => channel.ping(), KEEPALIVE_MS);
  keepalive.unref();
  res.on('close', () => {
    clearInterval(keepalive);
    session.streams.delete(channel);
  });
}

export function handleLegacyDelete(
  req: IncomingMessage,
  res: ServerResponse,
  deps: LegacyDeps,
  auth: Authenticated | undefined,
): void {
  const session = sessionOf(req, deps, auth);
  deps.sessions.delete(session.id);
  res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
}

export { replyError };
