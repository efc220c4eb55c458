// Opaque, integrity-protected tokens handed to clients (pagination cursors, MRTR requestState): a client can
// neither read intent into them nor forge or alter one (MRTR: "requestState is attacker-controlled").
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface TokenSigner {
  sign(kind: string, payload: unknown): string;
  /** The payload, or undefined when the token is malformed, forged, or of another kind. */
  verify(kind: string, token: string): unknown;
}

export function createTokenSigner(key: Buffer): TokenSigner {
  const mac = (kind: string, body: string) =>
    createHmac('sha256', key).update(kind).update('.').update(body).digest();
  return {
    sign(kind, payload) {
      const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
      return `${body}.${mac(kind, body).toString('base64url')}`;
    },
    verify(kind, token) {
      if (typeof token !== 'string' || token.length > 8192) return undefined;
      const dot = token.indexOf('.');
      if (dot <= 0) return undefined;
      const body = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1), 'base64url');
      const expected = mac(kind, body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      try {
        return JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
    },
  };
}
