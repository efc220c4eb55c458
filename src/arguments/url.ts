// URL arguments (SSRF): a tool that fetches what the agent names must not be pointed at the cloud metadata
// service, loopback admin ports or the internal network. The URL is parsed by the WHATWG parser, which turns
// every IPv4 spelling (0x7f.1, 2130706433, 017700000001, 127.1) into dotted form, so the literal is judged as
// the address it really is; names are resolved with an injected resolver and EVERY answer must pass. The vetted
// address is returned so the fetching side can connect to it (pinning it against DNS rebinding).
import { isIP } from 'node:net';
import { classifyArgumentAddress } from './address.ts';
import { refuse, type Verdict } from './verdict.ts';

export interface UrlRules {
  /** Allowed schemes without the colon (default `https`). */
  readonly schemes: readonly string[];
  /** Allowed hosts; `*.example.com` matches any subdomain (not the apex). Empty: any public host. */
  readonly hosts: readonly string[];
  /** Private, CGNAT and unique-local addresses (never loopback, link-local or metadata). */
  readonly allowPrivate: boolean;
}

/** Resolves a host name to its addresses (all of them); injected so tests never touch real DNS. */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

export interface VettedUrl {
  readonly url: URL;
  /** The address checked; connect to this one, not to a fresh lookup. */
  readonly address: string;
}

// Names that reach metadata services or the local machine whatever DNS says.
const FORBIDDEN_NAMES = [/^localhost$/, /\.localhost$/, /^metadata\.google\.internal$/, /^metadata$/];

function hostAllowed(host: string, hosts: readonly string[]): boolean {
  if (hosts.length === 0) return true;
  return hosts.some((pattern) => {
    const p = pattern.toLowerCase().replace(/\.$/, '');
    if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}

function addressProblem(address: string, rules: UrlRules): string | undefined {
  const kind = classifyArgumentAddress(address);
  if (kind === 'public') return undefined;
  if (kind === 'private' && rules.allowPrivate) return undefined;
  return `the host is a ${kind} address`;
}

function hasLooseCharacters(raw: string): boolean {
  for (const ch of raw) {
    const code = ch.codePointAt(0)!;
    if (code <= 0x20 || code === 0x7f || ch === '\\' || /\s/.test(ch)) return true;
  }
  return false;
}

/** Parses and vets a URL argument without resolving it (scheme, credentials, host allowlist, literal address). */
export function parseUrlArgument(raw: string, rules: UrlRules): Verdict<URL> {
  // Strict: the WHATWG parser forgives whitespace, control characters and backslashes that other parsers
  // (the tool's) may read differently.
  if (hasLooseCharacters(raw)) return refuse('the URL contains whitespace, control characters or \\');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('the value is not an absolute URL');
  }
  const scheme = url.protocol.slice(0, -1);
  if (!rules.schemes.map((s) => s.toLowerCase()).includes(scheme)) {
    return refuse(`the scheme ${scheme} is not allowed`);
  }
  if (url.username !== '' || url.password !== '') return refuse('the URL carries credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return refuse('the URL has no host');
  const name = host.replace(/\.$/, '');
  if (FORBIDDEN_NAMES.some((re) => re.test(name))) return refuse('the host is a local or metadata name');
  if (!hostAllowed(name, rules.hosts)) return refuse('the host is not in the allowlist');
  if (isIP(host) !== 0) {
    const problem = addressProblem(host, rules);
    if (problem) return refuse(problem);
  }
  return { ok: true, value: url };
}

/** Vets a URL argument and every address its host resolves to; returns the address to connect to. */
export async function vetUrl(
  raw: string,
  rules: UrlRules,
  resolve: HostResolver,
): Promise<Verdict<VettedUrl>> {
  const parsed = parseUrlArgument(raw, rules);
  if (!parsed.ok) return parsed;
  const url = parsed.value;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return { ok: true, value: { url, address: host } };
  let addresses: readonly string[];
  try {
    addresses = await resolve(host);
  } catch {
    return refuse('the host does not resolve');
  }
  if (addresses.length === 0) return refuse('the host does not resolve');
  for (const address of addresses) {
    if (isIP(address) === 0) return refuse('the resolver answered something that is not an address');
    const problem = addressProblem(address, rules);
    if (problem)
      return refuse(`the host resolves to a forbidden address (${problem.replace('the host is ', '')})`);
  }
  return { ok: true, value: { url, address: addresses[0]! } };
}

/**
 * Vets a redirect Rampart itself follows: `location` is resolved against `from` and must pass the same rules
 * (scheme, host, every resolved address), so a public URL cannot bounce the fetch to an internal one.
 */
export async function vetRedirect(
  from: string,
  location: string,
  rules: UrlRules,
  resolve: HostResolver,
): Promise<Verdict<VettedUrl>> {
  let target: string;
  try {
    target = new URL(location, from).href;
  } catch {
    return refuse('the redirect location is not a valid URL');
  }
  return vetUrl(target, rules, resolve);
}
