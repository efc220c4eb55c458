// The HTTP side of authentication: reads the Authorization and DPoP headers and the verified TLS client
// certificate, asks the authenticator, and turns a refusal into 401/403 with a WWW-Authenticate challenge.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AuthError } from '../auth/auth-error.ts';
import type { Authenticated, Authenticator } from '../auth/authenticator.ts';
import { wwwAuthenticate } from '../auth/challenge.ts';
import { metadataUrl } from '../auth/metadata.ts';
import { type Classified, failure } from '../core/jsonrpc.ts';
import { header } from './headers.ts';

/** Thumbprint (x5t#S256) of the client certificate of an authorized TLS connection. */
export function clientCertThumbprint(req: IncomingMessage): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (!socket.encrypted || socket.authorized !== true || typeof socket.getPeerCertificate !== 'function')
    return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert?.raw) return undefined;
  return createHash('sha256').update(cert.raw).digest('base64url');
}

export interface RouteHint {
  server: string | undefined;
  tool: string | undefined;
}

/** Authenticates one HTTP request carrying `message` (undefined for GET/DELETE). */
export function authenticateHttp(
  authenticator: Authenticator,
  req: IncomingMessage,
  message: Classified | undefined,
  hint: RouteHint,
): Promise<Authenticated> {
  const rpcMethod = message && message.kind !== 'response' ? message.message.method : '';
  return authenticator.authenticate({
    authorization: header(req, 'authorization'),
    dpop: header(req, 'dpop'),
    httpMethod: req.method ?? 'POST',
    clientCertThumbprint: clientCertThumbprint(req),
    rpcMethod,
    server: hint.server,
    tool: hint.tool,
  });
}

/** Answers a refused request: 401 (or 403 insufficient_scope) with the challenge, and a JSON-RPC error body. */
export function replyAuthError(
  res: ServerResponse,
  err: AuthError,
  authenticator: Authenticator,
  message: Classified | undefined,
  hint: RouteHint,
): void {
  const rpcMethod = message && message.kind !== 'response' ? message.message.method : '';
  const scope = err.scope ?? authenticator.requiredScopes(rpcMethod, hint.server, hint.tool);
  const modes = authenticator.bindingModes(hint.server);
  const challenge = wwwAuthenticate({
    code: err.code,
    resourceMetadata: metadataUrl(authenticator.resource),
    scope,
    description: err.message,
    dpopAlgs: modes.includes('mtls') ? undefined : authenticator.config.dpop.algorithms,
    dpopOnly: modes.includes('dpop'),
  });
  const headers: Record<string, string> = {
    'www-authenticate': challenge,
    'content-type': 'application/json',
  };
  const nonce = err.dpopNonce ?? authenticator.dpopNonce();
  if (nonce !== undefined) headers['dpop-nonce'] = nonce;
  const id = message && message.kind === 'request' ? message.message.id : null;
  const body = JSON.stringify(failure(id, err.toJsonRpc()));
  res.writeHead(err.http, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}
