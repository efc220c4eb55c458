// The socket factory of the HTTP transports: it authenticates the upstream once per connection, never per request.
// https: the usual CA chain and host name checks (with `tls.ca` for a private CA), then the leaf key's SPKI pin
// against `tls.pins`, and the key is recorded for first-use pinning. http: the peer must be a loopback address
// unless `allowInsecureHttp`, which also catches a "localhost" that resolves elsewhere. A refusal happens before
// any request byte is written.
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import type { HttpServerConfig } from '../config/schema.ts';
import { RampartError } from '../errors.ts';
import { configPinValue, PIN_PREFIX, spkiPin } from '../integrity/spki.ts';
import type { Logger } from '../monitor/logger.ts';
import { classifyAddress } from './credentials/ssrf-guard.ts';
import type { PeerKeyTracker } from './peer-key-tracker.ts';

export interface IdentityOptions {
  /** Accepted pins (bare base64); undefined accepts any key the CA chain vouches for. */
  readonly pins: ReadonlySet<string> | undefined;
  /** PEM CA bundle replacing the system CAs. */
  readonly ca: string | undefined;
  readonly servername: string | undefined;
  readonly allowInsecureHttp: boolean;
  readonly tracker: PeerKeyTracker;
  /** Decides a key the pins allow (first-use pinning: a key other than the approved one waits for review). */
  readonly keyAllowed?: ((spki: string) => boolean) | undefined;
  /** Rampart's log for this upstream (it names the server). */
  readonly log: Logger;
}

// OpenSSL's certificate verification failures (node reports them by these names) and node's host name check:
// each means the server could not prove who it is, which is an identity failure, not an outage.
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The identity checks configured for an HTTP server; reads the `tls.ca` file (relative to `baseDir`). */
export function identityFromConfig(
  server: HttpServerConfig,
  baseDir: string,
  tracker: PeerKeyTracker,
  log: Logger,
  keyAllowed?: (spki: string) => boolean,
): IdentityOptions {
  const tls = server.tls;
  let ca: string | undefined;
  if (tls?.ca !== undefined) {
    const file = path.resolve(baseDir, tls.ca);
    try {
      ca = readFileSync(file, 'utf8');
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new RampartError('RAMPART_UPSTREAM_UNAVAILABLE', `cannot read tls.ca file ${file} (${reason})`);
    }
  }
  return {
    pins: tls?.pins ? new Set(tls.pins.map(configPinValue)) : undefined,
    ca,
    servername: tls?.servername,
    allowInsecureHttp: server.allowInsecureHttp,
    tracker,
    log,
    keyAllowed,
  };
}

/** An undici `connect` function enforcing the upstream's configured identity on every new socket. */
export function identityConnector(options: IdentityOptions): buildConnector.connector {
  const base = buildConnector({
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
    ...(options.servername !== undefined ? { servername: options.servername } : {}),
    // No TLS session resumption: every socket then runs a full handshake, so the key it reports is the key the
    // server proved it holds just now (a resumed session would report the old key after a change).
    maxCachedSessions: 0,
  });
  const servername = options.servername;
  return (connectOptions, callback) => {
    base(servername !== undefined ? { ...connectOptions, servername } : connectOptions, (err, socket) => {
      if (err) {
        callback(identityFailure(err, options.log) ?? err, null);
        return;
      }
      const refusal = socket instanceof TLSSocket ? checkKey(socket, options) : checkPlain(socket, options);
      if (refusal) {
        socket.destroy();
        callback(refusal, null);
        return;
      }
      callback(null, socket);
    });
  };
}

function checkKey(socket: TLSSocket, options: IdentityOptions): RampartError | undefined {
  const certificate = socket.getPeerCertificate();
  if (!certificate?.raw) return refuse('no-certificate', 'the upstream presented no TLS certificate');
  let pin: string;
  try {
    pin = spkiPin(certificate.raw);
  } catch {
    // OpenSSL accepted the certificate, so this cannot happen short of a parser bug; refuse rather than throw
    // inside the socket's event handler.
    return refuse('certificate', "the upstream's TLS certificate could not be read");
  }
  if (options.pins !== undefined && !options.pins.has(pin)) {
    options.log.error('upstream TLS key is not pinned; connection refused', {
      spki: `${PIN_PREFIX}${pin}`,
      subject: certificate.subject?.CN,
    });
    return refuse('pin-mismatch', "the upstream's TLS key is not one of the pinned keys");
  }
  options.tracker.observe(pin);
  if (options.keyAllowed && !options.keyAllowed(pin)) {
    options.log.warn('upstream presented a new TLS key; held for review', { spki: `${PIN_PREFIX}${pin}` });
    return new RampartError(
      'RAMPART_SERVER_QUARANTINED',
      'The upstream presented a TLS key other than the approved one; it awaits review (rampart tools pending).',
      { reason: 'new-key' },
    );
  }
  return undefined;
}

/** Whether a plain http connection to `address` may be used: loopback only, unless insecure http is allowed. */
export function plainPeerAllowed(address: string | undefined, allowInsecureHttp: boolean): boolean {
  if (allowInsecureHttp) return true;
  return address !== undefined && classifyAddress(address) === 'loopback';
}

function checkPlain(socket: Socket, options: IdentityOptions): RampartError | undefined {
  const address = socket.remoteAddress;
  if (plainPeerAllowed(address, options.allowInsecureHttp)) return undefined;
  options.log.error('plain http upstream is not on a loopback address; connection refused', {
    address: address ?? 'unknown',
  });
  return refuse('insecure-http', 'plain http is allowed only to a loopback address');
}

/** The identity error for a failed TLS verification, or undefined for any other connect failure. */
function identityFailure(err: Error, log: Logger): RampartError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined || !CERTIFICATE_ERRORS.has(code)) return undefined;
  log.error('upstream TLS certificate not verified; connection refused', { reason: code });
  return refuse('certificate', `the upstream's TLS certificate was not verified (${code})`);
}

function refuse(reason: string, detail: string): RampartError {
  return new RampartError('RAMPART_UPSTREAM_IDENTITY', detail, { reason });
}
