// Minimal JSON-RPC 2.0 for the demo server. It deliberately shares no code with Rampart: it stands in for an
// arbitrary third-party MCP server, so a bug in Rampart's own JSON-RPC handling cannot hide behind it.

export const RPC_ERROR = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** MCP: resources/read of a URI the server does not have. */
  RESOURCE_NOT_FOUND: -32002,
} as const;

export type RequestId = string | number;
export type Params = Record<string, unknown>;

export interface Request {
  readonly id: RequestId;
  readonly method: string;
  readonly params: Params;
}

export interface Notification {
  readonly method: string;
  readonly params: Params;
}

export interface ErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

export type Response =
  | { readonly jsonrpc: '2.0'; readonly id: RequestId | null; readonly result: unknown }
  | { readonly jsonrpc: '2.0'; readonly id: RequestId | null; readonly error: ErrorObject };

/** What one incoming line turned out to be. */
export type Incoming =
  | { readonly kind: 'request'; readonly request: Request }
  | { readonly kind: 'notification'; readonly notification: Notification }
  | { readonly kind: 'ignored' }
  | { readonly kind: 'invalid'; readonly reply: Response };

/** Thrown by a method handler to answer with a JSON-RPC error instead of a result. */
export class RpcFailure extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcFailure';
    this.code = code;
    this.data = data;
  }
}

/** Classifies one line of the stdio stream; malformed input yields the error reply to send. */
export function parseLine(line: string): Incoming {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return invalid(null, RPC_ERROR.PARSE_ERROR, 'Parse error');
  }
  if (Array.isArray(message)) return invalid(null, RPC_ERROR.INVALID_REQUEST, 'Batches are not supported');
  if (!isObject(message) || message['jsonrpc'] !== '2.0') {
    return invalid(validId(message), RPC_ERROR.INVALID_REQUEST, 'Not a JSON-RPC 2.0 message');
  }
  const { id, method, params } = message;
  // A message without a method is a response to a request of ours; the demo sends none, so it is dropped.
  if (typeof method !== 'string' && ('result' in message || 'error' in message)) return { kind: 'ignored' };
  const isNotification = !('id' in message);
  const objectParams = isObject(params) ? params : params === undefined ? {} : undefined;
  if (isNotification) {
    // Notifications never get a reply, not even an error one.
    if (typeof method !== 'string' || objectParams === undefined) return { kind: 'ignored' };
    return { kind: 'notification', notification: { method, params: objectParams } };
  }
  // MCP forbids null ids, and JSON-RPC only allows strings and numbers.
  if (typeof id !== 'string' && typeof id !== 'number') {
    return invalid(null, RPC_ERROR.INVALID_REQUEST, 'id must be a string or a number');
  }
  if (typeof method !== 'string') return invalid(id, RPC_ERROR.INVALID_REQUEST, 'Missing method');
  if (objectParams === undefined) return invalid(id, RPC_ERROR.INVALID_PARAMS, 'params must be an object');
  return { kind: 'request', request: { id, method, params: objectParams } };
}

/** A success response. */
export function resultResponse(id: RequestId, result: unknown): Response {
  return { jsonrpc: '2.0', id, result };
}

/** An error response. */
export function errorResponse(id: RequestId | null, error: ErrorObject): Response {
  return { jsonrpc: '2.0', id, error };
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(id: RequestId | null, code: number, message: string): Incoming {
  return { kind: 'invalid', reply: errorResponse(id, { code, message }) };
}

function validId(message: unknown): RequestId | null {
  if (!isObject(message)) return null;
  const { id } = message;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
