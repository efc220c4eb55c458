// The HTTP listener: one MCP endpoint serving both eras, chosen per request. Order of checks: path and HTTP
// method, Host/Origin, body limits, JSON-RPC envelope, era; nothing reaches the gateway before all pass.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classifyMessage } from '../core/jsonrpc.ts';
import { RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import { parseJsonBody, readBody } from './body.ts';
import { header } from './headers.ts';
import { checkHostOrigin, type HostOriginPolicy } from './host-origin.ts';
import { handleLegacyDelete, handleLegacyGet, handleLegacyPost, type LegacyDeps } from './legacy.ts';
import { handleModernPost, isModernRequest, type ModernDeps } from './modern.ts';
import { replyError } from './reply.ts';

export interface HttpIngressOptions {
  path: string;
  maxBodyBytes: number;
  maxJsonDepth: number;
  hostOrigin: HostOriginPolicy;
  log: Logger;
}

export class HttpIngress {
  readonly server: Server;
  private readonly options: HttpIngressOptions;
  private readonly legacy: LegacyDeps;
  private readonly modern: ModernDeps;
  private draining = false;

  constructor(options: HttpIngressOptions, legacy: LegacyDeps, modern: ModernDeps) {
    this.options = options;
    this.legacy = legacy;
    this.modern = modern;
    this.server = createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!(err instanceof RampartError))
          this.options.log.error('unhandled ingress error', { error: String(err) });
        replyError(res, err);
      });
    });
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

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const pathname = url.split('?', 1)[0];
    if (pathname === '/healthz' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
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
        return this.post(req, res);
      case 'GET':
        return handleLegacyGet(req, res, this.legacy);
      case 'DELETE':
        return handleLegacyDelete(req, res, this.legacy);
      default:
        throw new RampartError('RAMPART_METHOD_NOT_ALLOWED');
    }
  }

  private async post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = header(req, 'content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/json'))
      throw new RampartError('RAMPART_UNSUPPORTED_MEDIA_TYPE');
    const body = await readBody(req, this.options.maxBodyBytes);
    const message = classifyMessage(parseJsonBody(body, this.options.maxJsonDepth));
    if (message.kind === 'request') {
      const accept = header(req, 'accept') ?? '';
      if (
        !(accept.includes('application/json') && accept.includes('text/event-stream')) &&
        !accept.includes('*/*')
      ) {
        throw new RampartError('RAMPART_NOT_ACCEPTABLE');
      }
    }
    if (isModernRequest(req, message)) return handleModernPost(req, res, message, this.modern);
    return handleLegacyPost(req, res, message, this.legacy);
  }
}
