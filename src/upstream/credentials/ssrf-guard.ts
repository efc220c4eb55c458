// SSRF guard for every URL an upstream points Rampart to (PRM, authorization server metadata, token and
// registration endpoints): a malicious upstream must not make Rampart fetch its cloud metadata service or an
// internal admin port. Checked twice: the URL itself (scheme, literal addresses), and the address each
// connection actually goes to (a DNS answer is checked as it is used, so a rebinding name gains nothing).
// Address ranges are matched by node:net's BlockList, not hand-written parsing.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { embeddedIPv4 } from '../../arguments/address.ts';
import { RampartError } from '../../errors.ts';

/** What the upstream's own location permits. */
export interface UrlPolicy {
  /** Plain http (only when the upstream itself is on loopback, i.e. local development). */
  readonly allowHttp: boolean;
  readonly allowLoopback: boolean;
  /** RFC 1918 / ULA / CGNAT addresses (only for loopback or private-address upstreams). */
  readonly allowPrivate: boolean;
}

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'reserved';

function blockList(v4: string[], v6: string[]): BlockList {
  const list = new BlockList();
  for (const range of v4) {
    const [net, bits] = range.split('/');
    list.addSubnet(net!, Number(bits), 'ipv4');
  }
  for (const range of v6) {
    const [net, bits] = range.split('/');
    list.addSubnet(net!, Number(bits), 'ipv6');
  }
  return list;
}

// Order matters only for readability: the classes do not overlap.
const RANGES: ReadonlyArray<readonly [AddressClass, BlockList]> = [
  ['loopback', blockList(['127.0.0.0/8'], ['::1/128'])],
  // Link-local holds the cloud metadata endpoints (169.254.169.254); never allowed.
  ['link-local', blockList(['169.254.0.0/16'], ['fe80::/10'])],
  ['private', blockList(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['fc00::/7'])],
  [
    'reserved',
    blockList(
      ['0.0.0.0/8', '192.0.0.0/24', '198.18.0.0/15', '224.0.0.0/4', '240.0.0.0/4'],
      ['::/128', 'ff00::/8', '64:ff9b::/96', '2001:db8::/32'],
    ),
  ],
];

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/**
 * The class of a literal IP address. An IPv6 address that carries an IPv4 one (mapped in any spelling,
 * compatible `::a.b.c.d`, 6to4 `2002::/16`) is judged as the IPv4 address it carries.
 */
export function classifyAddress(address: string): AddressClass {
  const bare = address.replace(/^\[|\]$/g, '');
  const mapped = MAPPED_V4.exec(bare)?.[1] ?? embeddedIPv4(bare);
  const ip = mapped ?? bare;
  const family = isIP(ip);
  if (family === 0) return 'reserved';
  for (const [name, list] of RANGES) {
    if (list.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return name;
  }
  return 'public';
}

function isLocalhostName(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost');
}

/** True when the host is a loopback name or a loopback literal. */
export function isLoopbackHost(hostname: string): boolean {
  if (isLocalhostName(hostname)) return true;
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) !== 0 && classifyAddress(bare) === 'loopback';
}

/**
 * The policy for URLs discovered through one upstream. A loopback upstream (development) may point to http and
 * to loopback or private addresses; an upstream at a private literal address may point to private addresses
 * over https; any other upstream only to public https addresses.
 */
export function policyForUpstream(upstreamUrl: string): UrlPolicy {
  const host = new URL(upstreamUrl).hostname;
  if (isLoopbackHost(host)) return { allowHttp: true, allowLoopback: true, allowPrivate: true };
  const bare = host.replace(/^\[|\]$/g, '');
  const privateLiteral = isIP(bare) !== 0 && classifyAddress(bare) === 'private';
  return { allowHttp: false, allowLoopback: false, allowPrivate: privateLiteral };
}

function blocked(detail: string): RampartError {
  return new RampartError('RAMPART_SSRF_BLOCKED', detail);
}

/** Throws RAMPART_SSRF_BLOCKED unless a connection to `address` is allowed. */
export function checkAddress(address: string, policy: UrlPolicy): void {
  const kind = classifyAddress(address);
  if (kind === 'public') return;
  if (kind === 'loopback' && policy.allowLoopback) return;
  if (kind === 'private' && policy.allowPrivate) return;
  throw blocked(`refusing to connect to a ${kind} address`);
}

/** Parses and vets a URL; `what` names it in the error (never the URL's query, which may carry state). */
export function checkUrl(raw: string, policy: UrlPolicy, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw blocked(`${what} is not a valid URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw blocked(`${what} must use https (got ${url.protocol})`);
  }
  if (url.username !== '' || url.password !== '') throw blocked(`${what} must not carry credentials`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) checkAddress(host, policy);
  else if (isLocalhostName(host) && !policy.allowLoopback) throw blocked(`${what} points to localhost`);
  return url;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;
type Resolver = (
  hostname: string,
  options: { all: true; family?: number },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net.connect that refuses names resolving to a forbidden address: the check happens on the
 * very answer the socket connects to (no gap between checking and connecting for DNS rebinding to use).
 */
export function guardedLookup(policy: UrlPolicy, resolve: Resolver = dnsLookup as unknown as Resolver) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    const family = typeof options?.family === 'number' ? options.family : undefined;
    resolve(hostname, { all: true, ...(family ? { family } : {}) }, (err, addresses) => {
      if (err) return callback(err, []);
      try {
        if (addresses.length === 0) throw blocked(`${hostname} did not resolve`);
        for (const entry of addresses) checkAddress(entry.address, policy);
      } catch (error) {
        return callback(error as NodeJS.ErrnoException, []);
      }
      if (options?.all) return callback(null, addresses);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
