// The admin API: approvers list the calls held for approval and approve or deny them. It runs on its own
// listener (like the metrics one) so it can stay on loopback or an internal address while the MCP port is public.
// Callers authenticate with access tokens from the configured issuers, checked by the same Authenticator as MCP
// clients (signature, audience, revocation, binding), and must hold the admin scope; there is no static password.
//
//   GET  /approvals              pending requests (`?all=1`: every request, newest first; `?limit=N`)
//   GET  /approvals/{id}         one request
//   POST /approvals/{id}/approve body (optional) {"reason": "..."}
//   POST /approvals/{id}/deny    body (optional) {"reason": "..."}
//   GET  /integrity/changes                  definition changes held for review (`?all=1`: every change)
//   GET  /integrity/changes/{id}             one change with its per-field diff
//   POST /integrity/changes/{id}/approve     body {"reason": "..."} (required: it is audited)
//   POST /integrity/changes/{id}/reject      body {"reason": "..."}
//
// Answers are JSON; errors are {"error": {"code", "message"}} with the stable codes of src/errors.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthError } from '../auth/auth-error.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { wwwAuthenticate } from '../auth/challenge.ts';
import { metadataUrl } from '../auth/metadata.ts';
import type { Principal } from '../auth/principal.ts';
import { RampartError, toRampartError } from '../errors.ts';
import { parseJsonBody, readBody } from '../ingress/body.ts';
import { header } from '../ingress/headers.ts';
import { fieldDiff } from '../integrity/field-diff.ts';
import type { PinChange } from '../integrity/pin-store.ts';
import type { Quarantine } from '../integrity/quarantine.ts';
import type { Logger } from '../monitor/logger.ts';
import type { ApprovalBroker } from '../policy/approvals/approval-broker.ts';
import { approvalView } from '../policy/approvals/approval-view.ts';

export const ADMIN_MAX_BODY_BYTES = 16 * 1024;
/** Longest decision reason accepted (it is stored and shown to operators). */
export const MAX_REASON_LENGTH = 2000;
const MAX_LIST_LIMIT = 1000;
const DEFAULT_HISTORY_LIMIT = 100;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly authenticator: Authenticator;
  /** Scope every admin token must carry (`admin.requiredScope`). */
  readonly requiredScope: string;
  /** Calls held for approval; absent without `policy`, and then its routes answer 404. */
  readonly broker: ApprovalBroker | undefined;
  /** The integrity quarantine, whose held definition changes approvers review here. */
  readonly integrity?: Quarantine | undefined;
  readonly log: Logger;
}

export interface AdminServer {
  /** Base URL, e.g. `http://127.0.0.1:8788`. */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** The request handler (mountable on any node:http server); never throws and never answers with a stack. */
export function adminHandler(
  options: AdminServerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  if (options.requiredScope.trim() === '') throw new TypeError('requiredScope must not be empty');
  return (req, res) => {
    handle(options, req, res).catch((err: unknown) => {
      const error = toRampartError(err);
      if (error.code === 'RAMPART_INTERNAL')
        options.log.error('admin API request failed', { error: String(err) });
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
    });
  };
}

/** Starts the admin listener; resolves once bound (port 0 picks a free port). */
export function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const server = createServer(adminHandler(options));
  // Small JSON requests only: a slow client does not get to hold a socket for long.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${host}:${address.port}`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function handle(options: AdminServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const principal = await authenticate(options, req, res);
  if (!principal) return;
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const parts = url.pathname.split('/');
  if (parts[1] === 'integrity' && parts[2] === 'changes' && options.integrity) {
    await handleIntegrity(options.integrity, parts.slice(2), url, req, res, principal);
    return;
  }
  // ['', 'approvals'] or ['', 'approvals', id] or ['', 'approvals', id, action]
  const { broker } = options;
  if (parts[1] !== 'approvals' || parts.length > 4 || parts[0] !== '' || !broker) throw notFound();
  if (parts.length === 2) {
    allow(req, 'GET');
    const all = url.searchParams.get('all');
    const history = all === '1' || all === 'true';
    const limit = listLimit(url.searchParams.get('limit'), history ? DEFAULT_HISTORY_LIMIT : MAX_LIST_LIMIT);
    const now = broker.now();
    const approvals = broker.list({ all: history, limit }).map((record) => approvalView(record, now));
    sendJson(res, 200, { approvals });
    return;
  }
  const id = parts[2]!;
  if (!ID_PATTERN.test(id)) throw new RampartError('RAMPART_APPROVAL_NOT_FOUND');
  if (parts.length === 3) {
    allow(req, 'GET');
    const record = broker.get(id);
    if (!record) throw new RampartError('RAMPART_APPROVAL_NOT_FOUND');
    sendJson(res, 200, { approval: approvalView(record, broker.now()) });
    return;
  }
  const action = parts[3];
  if (action !== 'approve' && action !== 'deny') throw notFound();
  allow(req, 'POST');
  const reason = await readReason(req);
  const approver = `admin:${principal.issuer}|${principal.subject}`;
  const result = broker.decide(id, {
    approved: action === 'approve',
    approver,
    reason,
    channel: 'admin',
    identity: { issuer: principal.issuer, subject: principal.subject },
  });
  if (!result.ok) {
    const code = (
      {
        unknown: 'RAMPART_APPROVAL_NOT_FOUND',
        decided: 'RAMPART_APPROVAL_DECIDED',
        expired: 'RAMPART_APPROVAL_EXPIRED',
        'self-approval': 'RAMPART_SELF_APPROVAL',
      } as const
    )[result.why];
    if (result.why === 'self-approval') options.log.warn('self-approval refused', { id, approver });
    throw new RampartError(code);
  }
  options.log.info('approval decided', { id, approved: action === 'approve', approver, channel: 'admin' });
  sendJson(res, 200, { approval: approvalView(result.record, broker.now()) });
}

/** `/integrity/changes[/{id}[/approve|reject]]`: the approver is the authenticated principal. */
async function handleIntegrity(
  quarantine: Quarantine,
  parts: readonly string[],
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): Promise<void> {
  const view = (c: PinChange) => ({ ...c, firstSeen: iso(c.firstSeen), lastSeen: iso(c.lastSeen) });
  if (parts.length === 1) {
    allow(req, 'GET');
    const all = url.searchParams.get('all');
    const changes = quarantine.store.changes(all === '1' || all === 'true' ? 'all' : 'pending');
    sendJson(res, 200, { changes: changes.map(view) });
    return;
  }
  const id = parts[1]!;
  const change = ID_PATTERN.test(id) ? quarantine.store.change(id) : undefined;
  if (!change) throw new RampartError('RAMPART_PIN_CHANGE_NOT_FOUND');
  if (parts.length === 2) {
    allow(req, 'GET');
    const fields = fieldDiff(change.oldDefinition, change.newDefinition);
    sendJson(res, 200, { change: { ...view(change), fields } });
    return;
  }
  const action = parts[2];
  if (parts.length > 3 || (action !== 'approve' && action !== 'reject')) throw notFound();
  allow(req, 'POST');
  const reason = await readReason(req);
  if (!reason) throw new RampartError('RAMPART_INVALID_PARAMS', 'A reason is required: it is audited.');
  const by = `admin:${principal.issuer}|${principal.subject}`;
  const decided =
    action === 'approve' ? quarantine.approve(id, by, reason) : quarantine.reject(id, by, reason);
  sendJson(res, 200, { change: view(decided) });
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The verified principal holding the admin scope, or undefined once a 401/403 has been sent. */
async function authenticate(
  options: AdminServerOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Principal | undefined> {
  const { authenticator, requiredScope } = options;
  // No MCP method, server or tool: only the scopes every token must carry apply, plus the admin scope below.
  const scope = [...new Set([...authenticator.requiredScopes('', undefined, undefined), requiredScope])];
  let principal: Principal;
  try {
    ({ principal } = await authenticator.authenticate({
      authorization: header(req, 'authorization'),
      dpop: header(req, 'dpop'),
      httpMethod: req.method ?? 'GET',
      clientCertThumbprint: undefined,
      rpcMethod: '',
      server: undefined,
      tool: undefined,
    }));
  } catch (err) {
    if (!(err instanceof AuthError)) throw err;
    if (err.code !== 'RAMPART_AUTH_UNAVAILABLE')
      options.log.info('admin API refused a token', { code: err.code });
    sendError(res, err, challenge(authenticator, err, scope));
    return undefined;
  }
  if (!principal.scopes.includes(requiredScope)) {
    options.log.warn('admin API refused a token without the admin scope', {
      issuer: principal.issuer,
      subject: principal.subject,
    });
    const err = new AuthError('RAMPART_INSUFFICIENT_SCOPE', { scope });
    sendError(res, err, challenge(authenticator, err, scope));
    return undefined;
  }
  return principal;
}

function challenge(
  authenticator: Authenticator,
  err: AuthError,
  scope: readonly string[],
): string | undefined {
  if (err.http !== 401 && err.http !== 403) return undefined;
  return wwwAuthenticate({
    code: err.code,
    resourceMetadata: metadataUrl(authenticator.resource),
    scope: err.scope ?? scope,
    description: err.message,
    dpopAlgs: authenticator.config.dpop.algorithms,
    dpopOnly: authenticator.bindingModes(undefined).includes('dpop'),
  });
}

function allow(req: IncomingMessage, method: 'GET' | 'POST'): void {
  if (req.method === method || (method === 'GET' && req.method === 'HEAD')) return;
  throw new RampartError('RAMPART_METHOD_NOT_ALLOWED', undefined, { allow: method });
}

function notFound(): RampartError {
  return new RampartError('RAMPART_METHOD_NOT_FOUND', 'No such admin API route.');
}

function listLimit(text: string | null, fallback: number): number {
  if (text === null) return fallback;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1) {
    throw new RampartError('RAMPART_INVALID_PARAMS', 'limit must be a positive integer.');
  }
  return Math.min(Number(text), MAX_LIST_LIMIT);
}

/** The optional `reason` of a decision body; an empty body means no reason. */
async function readReason(req: IncomingMessage): Promise<string | undefined> {
  const type = header(req, 'content-type');
  if (type !== undefined && !type.toLowerCase().startsWith('application/json')) {
    throw new RampartError('RAMPART_UNSUPPORTED_MEDIA_TYPE');
  }
  const body = await readBody(req, ADMIN_MAX_BODY_BYTES);
  if (body.length === 0) return undefined;
  if (type === undefined) throw new RampartError('RAMPART_UNSUPPORTED_MEDIA_TYPE');
  const value = parseJsonBody(body, 8);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RampartError(
      'RAMPART_INVALID_PARAMS',
      'The body must be a JSON object such as {"reason": "..."}.',
    );
  }
  const unknown = Object.keys(value).filter((key) => key !== 'reason');
  if (unknown.length > 0) {
    throw new RampartError('RAMPART_INVALID_PARAMS', 'The body may only hold "reason".');
  }
  const reason = (value as { reason?: unknown }).reason;
  if (reason === undefined || reason === null) return undefined;
  if (typeof reason !== 'string' || reason.length > MAX_REASON_LENGTH) {
    throw new RampartError(
      'RAMPART_INVALID_PARAMS',
      `reason must be a string of at most ${MAX_REASON_LENGTH} characters.`,
    );
  }
  return reason === '' ? undefined : reason;
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  extra: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function sendError(res: ServerResponse, err: RampartError, wwwAuth?: string): void {
  const headers: Record<string, string> = {};
  if (wwwAuth !== undefined) headers['www-authenticate'] = wwwAuth;
  if (err.code === 'RAMPART_METHOD_NOT_ALLOWED' && typeof err.data?.['allow'] === 'string') {
    headers['allow'] = err.data['allow'] === 'GET' ? 'GET, HEAD' : err.data['allow'];
  }
  // The detail is ours (catalogue message or a fixed text above), never an exception's message or stack.
  sendJson(res, err.http, { error: { code: err.code, message: err.message } }, headers);
}
