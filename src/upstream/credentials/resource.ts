// The RFC 8707 resource indicator of an upstream, and the RFC 9728 check that a Protected Resource Metadata
// document really describes the upstream Rampart is talking to (a document naming another resource would make
// Rampart obtain, and send to this upstream, a token meant for someone else).

/** Canonical form of an upstream URL: lower-case scheme and host, no fragment, no trailing slash at the root. */
export function canonicalResource(url: string): string {
  const parsed = new URL(url);
  parsed.hash = '';
  const href = parsed.href;
  return parsed.pathname === '/' && parsed.search === '' ? href.replace(/\/$/, '') : href;
}

/**
 * True when `resource` (from PRM) identifies the upstream at `upstreamUrl`: same origin, and its path is the
 * upstream's path or a parent of it on a segment boundary (a root PRM names the whole origin).
 */
export function resourceMatches(resource: string, upstreamUrl: string): boolean {
  let claimed: URL;
  let actual: URL;
  try {
    claimed = new URL(resource);
    actual = new URL(upstreamUrl);
  } catch {
    return false;
  }
  if (claimed.hash !== '' || claimed.origin !== actual.origin) return false;
  const base = claimed.pathname.replace(/\/$/, '');
  const path = actual.pathname.replace(/\/$/, '');
  return path === base || path.startsWith(`${base}/`);
}
