// The HTTP listener: one MCP endpoint serving both eras, chosen per request. Order of checks: path and HTTP
// method, Host/Origin, body limits, JSON-RPC envelope, authentication, era; nothing reaches the gateway before all
// pass. With `tls` it is an HTTPS listener that can request client certificates (mTLS).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../auth/auth-error.ts';
import type { Authenticated, Authenticator } from '../auth/authenticator.ts';
import type { TlsConfig } from '../config/auth-schema.ts';
import { type Classified, classifyMessage, type JsonObject } from '../core/jsonrpc.ts';
import { RampartError, toRampartError } from '../errors.ts';
import { type EventSink, type RequestEvent, targetName } from '../guards/pipeline.ts';
import type { Logger } from '../monitor/logger.ts';
import { parseJsonBody, readBody } from './body.ts';
import { header } from './headers.ts';
import { checkHostOrigin, type HostOriginPolicy } from './host-origin.ts';
import { authenticateHttp, replyAuthError } from './http-auth.ts';
import { handleLegacyDelete, handleLegacyGet, handleLegacyPost, type LegacyDeps } from './legacy.ts';
import { handleModernPost, isModernRequest, type ModernDeps } from './modern.ts';
import { replyError } from './reply.ts';

export interface HttpIngressOptions {
  path: string;
  maxBodyBytes: number;
  maxJsonDepth: number;
  hostOrigin: HostOriginPolicy;
  log: Logger;
  tls?: TlsConfig | undefined;
  /** Where events of requests refused before dispatch go. */
  sink: EventSink;
  /** Resolves an exposed tool name to its server (for per-server scopes and binding), best effort. */
  serverForRequest: (method: string, params: JsonObject | undefined) => string | undefined;
  /** True when `auth` is configured: until the authenticator is set, requests get 503 (never unauthenticated). */
  authRequired: boolean;
}

/** A client must finish sending its request (headers and body) within this time; responses may stream longer. */
const REQUEST_READ_TIMEOUT_MS = 30_000;

/** What the ingress learned about a request before it failed (for the error reply and its event). */
interface Seen {
  message: Classified | undefined;
}

/** Authentication of the endpoint, set once the resource URL is known (after listen). */
export interface IngressAuth {
  authenticator: Authenticator;
  metadata: Record<string, unknown>;
  metadataPaths: string[];
}

export class HttpIngress {
  readonly server: Server;
  private readonly options: HttpIngressOptions;
  private readonly legacy: LegacyDeps;
  private readonly modern: ModernDeps;
  private draining = false;
  private auth: IngressAuth | undefined;
  private oauthCallback: { path: string; complete: (query: URLSearchParams) => boolean } | undefined;

  constructor(options: HttpIngressOptions, legacy: LegacyDeps, modern: ModernDeps) {
    this.options = options;
    this.legacy = legacy;
    this.modern = modern;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      const seen: Seen = { message: undefined };
      this.route(req, res, seen).catch((err: unknown) => {
        if (!(err instanceof RampartError))
          this.options.log.error('unhandled ingress error', { error: String(err) });
        const request = seen.message?.kind === 'request' ? seen.message.message : undefined;
        // Recorded first, answered after: a refusal is an audit event like any other.
        void this.recordRejection(req, seen.message, toRampartError(err).code).then(() =>
          replyError(res, err, request?.id ?? null),
        );
      });
    };
    const tls = options.tls;
    this.server = tls
      ? createTlsServer(
          {
            cert: readFileSync(tls.cert),
            key: readFileSync(tls.key),
            ...(tls.clientCa ? { ca: readFileSync(tls.clientCa), requestCert: true } : {}),
            // Without requireClientCert an unverified certificate is still accepted at the TLS level, but it is
            // never used for binding (only `socket.authorized` certificates count).
            rejectUnauthorized: tls.requireClientCert,
            requestTimeout: REQUEST_READ_TIMEOUT_MS,
            keepAliveTimeout: 65_000,
          },
          handler,
        )
      : createServer({ requestTimeout: REQUEST_READ_TIMEOUT_MS, keepAliveTimeout: 65_000 }, handler);
  }

  /**
   * Every refusal before dispatch is an event too: who was turned away, and why. Never rejects: a refusal is
   * answered even when its event cannot be written (it releases nothing), and the failure is logged.
   */
  private async recordRejection(
    req: IncomingMessage,
    message: Classified | undefined,
    code: string,
  ): Promise<void> {
    const body = message && message.kind !== 'response' ? message.message : undefined;
    const event: RequestEvent = {
      time: new Date().toISOString(),
      requestId: message?.kind === 'request' ? String(message.message.id) : '',
      sessionId: header(req, 'mcp-session-id'),
      principal: undefined,
      era: header(req, 'mcp-protocol-version')?.startsWith('2025') === false ? 'modern' : 'legacy',
      server: undefined,
      method: body?.method ?? `HTTP ${req.method ?? ''}`,
      name: body ? targetName(body.method, body.params) : undefined,
      decision: 'denied',
      code,
      ruleIds: ['ingress'],
      timings: { totalMs: 0 },
    };
    try {
      await this.options.sink.record(event);
    } catch (err) {
      this.options.log.error('could not record a refused request', { code, error: String(err) });
    }
  }

  setOauthCallback(path: string, complete: (query: URLSearchParams) => boolean): void {
    this.oauthCallback = { path, complete };
  }

  setAuth(auth: IngressAuth): void {
    this.auth = auth;
  }

  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting new work; requests in flight continue (graceful shutdown, step one). */
  startDraining(): void {
    this.draining = true;
    this.server.close();
    this.server.closeIdleConnections();
  }

  closeAllConnections(): void {
    this.server.closeAllConnections();
  }

  private async route(req: IncomingMessage, res: ServerResponse, seen: Seen): Promise<void> {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0];
    if (pathname === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (this.oauthCallback && req.method === 'GET' && pathname === this.oauthCallback.path) {
      const matched = this.oauthCallback.complete(new URLSearchParams(url.slice(url.indexOf('?') + 1)));
      // Plain text, no reflection of the query: this page is opened by a browser.
      res
        .writeHead(matched ? 200 : 400, {
          'content-type': 'text/plain; charset=utf-8',
          'x-frame-options': 'DENY',
        })
        .end(
          matched
            ? 'Authorization complete. You can close this window.\n'
            : 'Unknown or expired authorization.\n',
        );
      return;
    }
    if (
      this.auth &&
      req.method === 'GET' &&
      pathname !== undefined &&
      this.auth.metadataPaths.includes(pathname)
    ) {
      const body = JSON.stringify(this.auth.metadata);
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' }).end(body);
      return;
    }
    if (pathname !== this.options.path) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const forbidden = checkHostOrigin(req.headers.host, header(req, 'origin'), this.options.hostOrigin);
    if (forbidden) throw new RampartError(forbidden);
    if (this.draining) throw new RampartError('RAMPART_SHUTTING_DOWN');
    switch (req.method) {
      case 'POST':
        return this.post(req, res, seen);
      case 'GET':
      case 'DELETE': {
        const auth = await this.authenticate(req, res, undefined);
        if (auth === null) return;
        if (req.method === 'GET') return handleLegacyGet(req, res, this.legacy, auth);
        return handleLegacyDelete(req, res, this.legacy, auth);
      }
      default:
        throw new RampartError('RAMPART_METHOD_NOT_ALLOWED');
    }
  }

  /** The caller, undefined when no authentication is configured, or null after a refusal was answered. */
  private async authenticate(
    req: IncomingMessage,
    res: ServerResponse,
    message: Classified | undefined,
  ): Promise<Authenticated | undefined | null> {
    const auth = this.auth;
    if (!auth) {
      if (this.options.authRequired) throw new RampartError('RAMPART_AUTH_UNAVAILABLE');
      return undefined;
    }
    const tool =
      message?.kind === 'request' &&
      message.message.method === 'tools/call' &&
      typeof message.message.params?.['name'] === 'string'
        ? message.message.params['name']
        : undefined;
    // Every routed method names its server (prompt, resource URI, completion ref, task), so per-server scopes and
    // binding apply to all of them, not only to tools/call.
    const body = message && message.kind !== 'response' ? message.message : undefined;
    const hint = { tool, server: body ? this.options.serverForRequest(body.method, body.params) : undefined };
    try {
      return await authenticateHttp(auth.authenticator, req, message, hint);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      await this.recordRejection(req, message, err.code);
      replyAuthError(res, err, auth.authenticator, message, hint);
      return null;
    }
  }

  private async post(req: IncomingMessage, res: ServerResponse, seen: Seen): Promise<void> {
    const type = header(req, 'content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/json'))
      throw new RampartError('RAMPART_UNSUPPORTED_MEDIA_TYPE');
    const body = await readBody(req, this.options.maxBodyBytes);
    const message = classifyMessage(parseJsonBody(body, this.options.maxJsonDepth));
    seen.message = message;
    if (message.kind === 'request') {
      const accept = header(req, 'accept') ?? '';
      if (
        !(accept.includes('application/json') && accept.includes('text/event-stream')) &&
        !accept.includes('*/*')
      ) {
        throw new RampartError('RAMPART_NOT_ACCEPTABLE');
      }
    }
    const auth = await this.authenticate(req, res, message);
    if (auth === null) return;
    if (isModernRequest(req, message)) return handleModernPost(req, res, message, this.modern, auth);
    return handleLegacyPost(req, res, message, this.legacy, auth);
  }
}
