// Signing of webhook deliveries, and the check a receiver runs. The signed string is `<timestamp>.<body>`, so
// a captured request cannot be replayed later with a fresh timestamp, nor its body swapped.
//
// A receiver verifies a delivery like this:
//   1. take the raw request body bytes (before any JSON parsing or re-serialising),
//   2. read `X-Rampart-Timestamp` (Unix seconds) and refuse it if it is more than a few minutes from its own
//      clock (the tolerance bounds how long a captured request stays replayable),
//   3. compute `v1=` + hex(HMAC-SHA256(secret, timestamp + "." + body)) and compare it with
//      `X-Rampart-Signature` in constant time (crypto.timingSafeEqual, never `===`),
//   4. optionally drop repeats by `rampart.alert.id` (a retried delivery carries the same id, a new timestamp).
// `verifyWebhookSignature` below does 2 and 3.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-rampart-signature';
export const TIMESTAMP_HEADER = 'x-rampart-timestamp';
const SCHEME = 'v1=';

/** `v1=<hex HMAC-SHA256(secret, timestamp + "." + body)>`. */
export function signWebhookBody(secret: string, timestamp: string, body: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(body);
  return `${SCHEME}${mac.digest('hex')}`;
}

/**
 * True when `signature` is the v1 signature of `timestamp` and `body` under `secret`, and `timestamp` (Unix
 * seconds) is within `toleranceS` of `nowMs`.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string | Buffer,
  signature: string,
  nowMs: number,
  toleranceS = 300,
): boolean {
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceS) return false;
  if (!signature.startsWith(SCHEME)) return false;
  const given = signature.slice(SCHEME.length);
  if (!/^[0-9a-f]{64}$/i.test(given)) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body).slice(SCHEME.length), 'hex');
  return timingSafeEqual(Buffer.from(given, 'hex'), expected);
}
