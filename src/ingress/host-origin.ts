// DNS-rebinding protection (MCP Streamable HTTP "Security"): a browser tricked into calling Rampart carries a
// foreign Host or Origin. Pure checks; the HTTP adapter turns a failure into 403.
import type { ErrorCode } from '../errors.ts';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

export interface HostOriginPolicy {
  /** Host values (host or host:port, lower-case) accepted besides loopback names. */
  readonly allowedHosts: ReadonlySet<string>;
  /** Full origins (scheme://host[:port], lower-case) accepted besides loopback origins. */
  readonly allowedOrigins: ReadonlySet<string>;
}

export function createHostOriginPolicy(allowedHosts: string[], allowedOrigins: string[]): HostOriginPolicy {
  return {
    allowedHosts: new Set(allowedHosts.map((h) => h.toLowerCase())),
    allowedOrigins: new Set(allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, ''))),
  };
}

function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Returns the error code for a forbidden Host or Origin, or undefined when both are acceptable. */
export function checkHostOrigin(
  host: string | undefined,
  origin: string | undefined,
  policy: HostOriginPolicy,
): ErrorCode | undefined {
  if (host === undefined) return 'RAMPART_HOST_FORBIDDEN';
  const lowerHost = host.toLowerCase();
  if (!LOOPBACK_NAMES.has(hostName(lowerHost)) && !policy.allowedHosts.has(lowerHost)) {
    if (!policy.allowedHosts.has(hostName(lowerHost))) return 'RAMPART_HOST_FORBIDDEN';
  }
  if (origin === undefined) return undefined;
  const lowerOrigin = origin.toLowerCase();
  if (policy.allowedOrigins.has(lowerOrigin)) return undefined;
  let url: URL;
  try {
    url = new URL(lowerOrigin);
  } catch {
    return 'RAMPART_ORIGIN_FORBIDDEN';
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_NAMES.has(url.hostname))
    return undefined;
  return 'RAMPART_ORIGIN_FORBIDDEN';
}
