// How Rampart authenticates an HTTP upstream: TLS key pins, a private CA, the TLS server name, trust on first use,
// and the rule that plain http is for loopback only (anywhere else anyone on the path can impersonate the server).
import { z } from 'zod';
import { isLoopbackHost } from '../upstream/credentials/ssrf-guard.ts';

// 32 bytes of SHA-256 in padded base64 are 43 characters and one "=".
const PIN = /^sha256\/[A-Za-z0-9+/]{43}=$/;

export const serverTlsSchema = z
  .strictObject({
    pins: z
      .array(
        z
          .string()
          .regex(
            PIN,
            'a pin is "sha256/" followed by the base64 SHA-256 of the SubjectPublicKeyInfo (44 characters)',
          ),
      )
      .min(1)
      .optional()
      .describe(
        "Accepted keys of the upstream's TLS certificate, as `sha256/<base64 SHA-256 of the SubjectPublicKeyInfo>` (curl's --pinnedpubkey form; `openssl x509 -pubkey -noout -in cert.pem | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`). A connection is refused with RAMPART_UPSTREAM_IDENTITY unless the leaf key matches one of them; list the old and the new key during a rotation. The CA chain and host name are still verified.",
      ),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM CA bundle trusted for this upstream instead of the system CAs (for a private CA); relative to the config file's directory.",
      ),
    servername: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Name sent in TLS SNI and verified against the certificate, when it differs from the URL host (e.g. a URL with an IP address).',
      ),
    tofu: z
      .boolean()
      .optional()
      .describe(
        'Trust on first use: the key seen first is recorded, and a later different key is reported as an identity change (the server is quarantined until approved) rather than silently accepted. Default: true when `pins` is not set, false when it is.',
      ),
  })
  .describe('How the TLS identity of this upstream is verified (https URLs only).');

export const allowInsecureHttpSchema = z
  .boolean()
  .default(false)
  .describe(
    'Allow a plain `http://` URL to a host that is not loopback (127.0.0.0/8, ::1, localhost). Off by default: without TLS anyone on the network path can read the traffic and impersonate the server.',
  );

export type ServerTlsConfig = z.infer<typeof serverTlsSchema>;

/** The fields of an HTTP server entry this file rules on. */
interface TransportSecurityFields {
  readonly url: string;
  readonly tls?: ServerTlsConfig | undefined;
  readonly allowInsecureHttp?: boolean | undefined;
}

/** Whether first-use pinning applies: explicitly configured, else on exactly when no pins are listed. */
export function tofuEnabled(tls: ServerTlsConfig | undefined): boolean {
  return tls?.tofu ?? tls?.pins === undefined;
}

/** Refuses plain http to a non-loopback host (unless allowed) and TLS settings on a plain http URL. */
export function checkTransportSecurity(server: TransportSecurityFields, ctx: z.RefinementCtx): void {
  let url: URL;
  try {
    url = new URL(server.url);
  } catch {
    return; // the url field's own check reports it
  }
  if (url.protocol !== 'http:') return;
  if (!isLoopbackHost(url.hostname) && server.allowInsecureHttp !== true) {
    ctx.addIssue({
      code: 'custom',
      path: ['url'],
      message: `plain http is allowed only to a loopback host (127.0.0.0/8, ::1, localhost), not ${url.hostname}; use https, or set allowInsecureHttp: true to accept an unauthenticated, readable connection`,
    });
  }
  for (const key of ['pins', 'ca', 'servername'] as const) {
    if (server.tls?.[key] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls', key],
        message: `tls.${key} needs an https URL; this server's url is plain http`,
      });
    }
  }
}
