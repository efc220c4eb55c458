// Reading request headers as single values (Node joins most repeated headers but leaves some as arrays).
import type { IncomingMessage } from 'node:http';

/** The first value of a request header, or undefined. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
