// Rampart's egress proxy for one sandboxed server: an HTTP CONNECT proxy on a Unix socket that only that sandbox
// can reach (its directory is bound into the sandbox and owned by the sandbox user). Every CONNECT is checked
// against the server's allowlist, the name is resolved here and the connection goes to the checked address (no
// second lookup to rebind), and each attempt, allowed or not, is reported for the audit log.
import { lookup } from 'node:dns/promises';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, isIP, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EgressTarget, HostAllowlist, normaliseHost } from './host-allowlist.ts';

const MAX_HEAD_BYTES = 8 * 1024;
const HEAD_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
export const EGRESS_SOCKET_NAME = 'egress.sock';

/** One connection attempt as the audit log records it. */
export interface EgressAttempt {
  readonly server: string;
  readonly host: string;
  readonly port: number;
  readonly allowed: boolean;
  /** The address connected to (allowed) or the addresses refused. */
  readonly address?: string;
  readonly reason?: 'not_allowlisted' | 'address_refused' | 'unresolvable' | 'unreachable' | 'bad_request';
}

export type Resolver = (host: string) => Promise<string[]>;

export interface EgressProxyOptions {
  readonly server: string;
  readonly allow: readonly string[];
  readonly ports: readonly number[];
  readonly onAttempt: (attempt: EgressAttempt) => void;
  /** Host uid/gid that must be able to connect (the sandbox user when Rampart runs as root). */
  readonly owner?: { uid: number; gid: number } | undefined;
  readonly resolve?: Resolver;
}

const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

export class EgressProxy {
  readonly socketDir: string;
  readonly socketPath: string;
  private readonly server: Server;
  private readonly allowlist: HostAllowlist;
  private readonly options: EgressProxyOptions;
  private readonly sockets = new Set<Socket>();

  private constructor(options: EgressProxyOptions) {
    this.options = options;
    this.allowlist = new HostAllowlist(options.allow, options.ports);
    this.socketDir = mkdtempSync(path.join(tmpdir(), 'rampart-egress-'));
    this.socketPath = path.join(this.socketDir, EGRESS_SOCKET_NAME);
    this.server = createServer((socket) => this.accept(socket));
  }

  /** Listens on a fresh socket in a private directory (mode 0700, owned by the sandbox user). */
  static async start(options: EgressProxyOptions): Promise<EgressProxy> {
    const proxy = new EgressProxy(options);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(proxy.socketPath, () => resolve());
    });
    chmodSync(proxy.socketPath, 0o600);
    if (options.owner) {
      chownSync(proxy.socketDir, options.owner.uid, options.owner.gid);
      chownSync(proxy.socketPath, options.owner.uid, options.owner.gid);
    }
    return proxy;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.socketDir, { recursive: true, force: true });
  }

  private accept(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    client.setTimeout(HEAD_TIMEOUT_MS, () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > MAX_HEAD_BYTES) this.refuse(client, 431, undefined, 'bad_request');
        return;
      }
      client.off('data', onData);
      client.setTimeout(0);
      const rest = head.subarray(end + 4);
      void this.tunnel(client, head.subarray(0, end).toString('latin1'), rest);
    };
    client.on('data', onData);
  }

  private async tunnel(client: Socket, head: string, rest: Buffer): Promise<void> {
    const target = parseConnect(head.split('\r\n')[0] ?? '');
    if (!target) return this.refuse(client, 405, undefined, 'bad_request');
    if (!this.allowlist.admits(target)) return this.refuse(client, 403, target, 'not_allowlisted');
    let addresses: string[];
    try {
      addresses = isIP(normaliseHost(target.host))
        ? [normaliseHost(target.host)]
        : await this.resolve(target.host);
    } catch {
      return this.refuse(client, 502, target, 'unresolvable');
    }
    const usable = addresses.filter((a) => this.allowlist.admitsAddress(target, a));
    if (usable.length === 0) return this.refuse(client, 403, target, 'address_refused', addresses.join(','));
    const address = usable[0]!;
    const upstream = createConnection({ host: address, port: target.port, timeout: CONNECT_TIMEOUT_MS });
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.once('timeout', () => upstream.destroy(new Error('timeout')));
    let connected = false;
    upstream.once('error', () => {
      if (!connected) this.refuse(client, 502, target, 'unreachable', address);
      else client.destroy();
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      this.report({ host: target.host, port: target.port, allowed: true, address });
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  private resolve(host: string): Promise<string[]> {
    return (this.options.resolve ?? systemResolver)(host);
  }

  private refuse(
    client: Socket,
    status: number,
    target: EgressTarget | undefined,
    reason: NonNullable<EgressAttempt['reason']>,
    address?: string,
  ): void {
    this.report({
      host: target?.host ?? '',
      port: target?.port ?? 0,
      allowed: false,
      reason,
      ...(address !== undefined ? { address } : {}),
    });
    if (!client.destroyed) client.end(`HTTP/1.1 ${status} Refused by Rampart\r\nContent-Length: 0\r\n\r\n`);
  }

  private report(attempt: Omit<EgressAttempt, 'server'>): void {
    this.options.onAttempt({ server: this.options.server, ...attempt });
  }
}

/** `CONNECT host:port HTTP/1.1` to its target; anything else (plain HTTP proxying) is refused. */
export function parseConnect(requestLine: string): EgressTarget | undefined {
  const match = /^CONNECT (\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5}) HTTP\/1\.[01]$/.exec(requestLine);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!, port };
}
