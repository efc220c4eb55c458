// Which destinations a sandboxed server's egress allowlist admits. A pattern is a host name, `*.domain` (its
// subdomains, not the domain itself) or an IP literal, with an optional `:port`; without one the default ports apply.
// Private, loopback, link-local and metadata addresses are reachable only through a pattern that names that exact
// IP literal: a public name that resolves to 10.0.0.1 (DNS rebinding) is refused.
import { isIP } from 'node:net';
import { classifyArgumentAddress } from '../arguments/address.ts';

interface Pattern {
  readonly host: string;
  readonly wildcard: boolean;
  readonly port: number | undefined;
}

export interface EgressTarget {
  readonly host: string;
  readonly port: number;
}

export class HostAllowlist {
  private readonly patterns: readonly Pattern[];
  private readonly defaultPorts: ReadonlySet<number>;

  constructor(patterns: readonly string[], defaultPorts: readonly number[]) {
    this.patterns = patterns.map(parsePattern);
    this.defaultPorts = new Set(defaultPorts);
  }

  /** The pattern that admits the host and port, or undefined. */
  private match(target: EgressTarget): Pattern | undefined {
    const host = normaliseHost(target.host);
    return this.patterns.find((p) => {
      const portOk = p.port === undefined ? this.defaultPorts.has(target.port) : p.port === target.port;
      if (!portOk) return false;
      return p.wildcard ? host.endsWith(`.${p.host}`) : host === p.host;
    });
  }

  /** Whether the name (before resolution) may be connected to at all. */
  admits(target: EgressTarget): boolean {
    return this.match(target) !== undefined;
  }

  /**
   * Whether `address` (what the name resolved to) may be used: public addresses always, others only when the
   * admitting pattern is that very IP literal.
   */
  admitsAddress(target: EgressTarget, address: string): boolean {
    const pattern = this.match(target);
    if (!pattern) return false;
    if (classifyArgumentAddress(address) === 'public') return true;
    return isIP(pattern.host) !== 0 && normaliseHost(pattern.host) === normaliseHost(address);
  }
}

function parsePattern(text: string): Pattern {
  const wildcard = text.startsWith('*.');
  const rest = wildcard ? text.slice(2) : text;
  // `[::1]:443`, `::1` (bare IPv6 has no port), `host:443`, `host`.
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (bracketed) return { host: normaliseHost(bracketed[1]!), wildcard, port: toPort(bracketed[2]) };
  if (isIP(rest) === 6) return { host: normaliseHost(rest), wildcard, port: undefined };
  const colon = rest.lastIndexOf(':');
  if (colon > 0)
    return { host: normaliseHost(rest.slice(0, colon)), wildcard, port: toPort(rest.slice(colon + 1)) };
  return { host: normaliseHost(rest), wildcard, port: undefined };
}

function toPort(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}

/** Lower case, no trailing dot, no IPv6 brackets. */
export function normaliseHost(host: string): string {
  return host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
}
