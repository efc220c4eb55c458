// JSON-RPC 2.0 message shapes as MCP uses them, and the one place that classifies untrusted input.
import { RampartError } from '../errors.ts';

export type JsonRpcId = string | number;
export type JsonObject = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: JsonRpcId;
  method: string;
  params?: JsonObject;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: JsonObject;
}
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}
export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result: JsonObject;
}
export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is JsonRpcId {
  return (
    (typeof value === 'string' && value.length <= 512) ||
    (typeof value === 'number' && Number.isSafeInteger(value))
  );
}

export type Classified =
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse };

/** Validates the JSON-RPC envelope of a parsed value; throws RAMPART_INVALID_REQUEST with a reason. */
export function classifyMessage(value: unknown): Classified {
  if (Array.isArray(value)) throw new RampartError('RAMPART_BATCH_UNSUPPORTED');
  if (!isObject(value))
    throw new RampartError('RAMPART_INVALID_REQUEST', 'A JSON-RPC message must be an object.');
  if (value['jsonrpc'] !== '2.0') throw new RampartError('RAMPART_INVALID_REQUEST', 'jsonrpc must be "2.0".');
  const hasId = 'id' in value;
  if ('method' in value) {
    if (typeof value['method'] !== 'string' || value['method'].length === 0 || value['method'].length > 256) {
      throw new RampartError('RAMPART_INVALID_REQUEST', 'method must be a non-empty string.');
    }
    if ('params' in value && value['params'] !== undefined && !isObject(value['params'])) {
      throw new RampartError('RAMPART_INVALID_REQUEST', 'params must be an object.');
    }
    if (!hasId) return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(value['id'])) {
      throw new RampartError(
        'RAMPART_INVALID_REQUEST',
        'id must be a string or a safe integer (never null).',
      );
    }
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if (hasId && ('result' in value || 'error' in value)) {
    if (value['id'] !== null && !isId(value['id']))
      throw new RampartError('RAMPART_INVALID_REQUEST', 'Invalid id.');
    if ('result' in value && !isObject(value['result'])) {
      throw new RampartError('RAMPART_INVALID_REQUEST', 'result must be an object.');
    }
    if ('error' in value) {
      const error = value['error'];
      if (!isObject(error) || typeof error['code'] !== 'number' || typeof error['message'] !== 'string') {
        throw new RampartError('RAMPART_INVALID_REQUEST', 'error must carry a numeric code and a message.');
      }
    }
    return { kind: 'response', message: value as unknown as JsonRpcResponse };
  }
  throw new RampartError('RAMPART_INVALID_REQUEST', 'Not a request, notification or response.');
}

export function success(id: JsonRpcId, result: JsonObject): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result };
}

export function failure(id: JsonRpcId | null, error: JsonRpcErrorObject): JsonRpcFailure {
  return { jsonrpc: '2.0', id, error };
}

export function isFailure(response: JsonRpcResponse): response is JsonRpcFailure {
  return 'error' in response;
}

/** An error answered by a peer, kept as-is so it can be relayed without re-wrapping its message. */
export class PeerError extends Error {
  readonly error: JsonRpcErrorObject;
  constructor(error: JsonRpcErrorObject) {
    super(error.message);
    this.name = 'PeerError';
    this.error = error;
  }
}
