// Rendering errors for clients: HTTP status from the catalogue, a JSON-RPC error body, never a stack trace.
import type { ServerResponse } from 'node:http';
import { failure, type JsonRpcId, PeerError } from '../core/jsonrpc.ts';
import { RampartError, toRampartError } from '../errors.ts';

/** Writes an error response at the HTTP level (used before a request is dispatched, and for modern errors). */
export function replyError(
  res: ServerResponse,
  err: unknown,
  id: JsonRpcId | null = null,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const error = toRampartError(err);
  const body = JSON.stringify(failure(id, error.toJsonRpc()));
  const extra: Record<string, string> = { ...headers, ...retryAfterHeader(error.toJsonRpc()) };
  if (error.code === 'RAMPART_METHOD_NOT_ALLOWED') extra['allow'] = 'GET, POST, DELETE';
  res.writeHead(error.http, {
    ...extra,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The JSON-RPC error object for any failure of a dispatched request (upstream errors are relayed as-is). */
export function errorOf(err: unknown): { code: number; message: string; data?: unknown } {
  if (err instanceof PeerError) return err.error;
  return toRampartError(err).toJsonRpc();
}

/** A `Retry-After` header (seconds) for a JSON-RPC error whose data says when to retry (rate limits). */
export function retryAfterHeader(error: { data?: unknown }): Record<string, string> {
  const data = error.data;
  if (typeof data !== 'object' || data === null) return {};
  const seconds = (data as Record<string, unknown>)['retryAfterSeconds'];
  return Number.isSafeInteger(seconds) && (seconds as number) >= 0 ? { 'retry-after': String(seconds) } : {};
}

export function isRampartError(err: unknown): err is RampartError {
  return err instanceof RampartError;
}
