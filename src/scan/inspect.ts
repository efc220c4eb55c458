// Connects to one configured server the way Rampart would (both eras, stdio or HTTP), lists everything it offers
// and disconnects. Server-to-client requests (sampling, elicitation, roots) are refused: a scan answers nothing.
import { configSchema, type ServerConfig } from '../config/schema.ts';
import { Catalog, type ListKind } from '../core/catalog.ts';
import type { JsonObject } from '../core/jsonrpc.ts';
import { RampartError } from '../errors.ts';
import type { Logger } from '../monitor/logger.ts';
import { Upstream, type UpstreamListener } from '../upstream/upstream.ts';
import type { ScanTarget } from './client-configs.ts';

export interface Inspected {
  readonly serverInfo: JsonObject | undefined;
  readonly instructions: string | undefined;
  readonly tools: JsonObject[];
  readonly prompts: JsonObject[];
  readonly resources: JsonObject[];
  readonly resourceTemplates: JsonObject[];
}

export interface InspectOptions {
  /**
   * Run stdio servers in the gateway's sandbox (src/sandbox) with egress only to `allowHosts` through the audited
   * proxy (none: no network); false runs them as they are (`--no-sandbox`).
   */
  readonly sandbox: false | { readonly allowHosts: readonly string[] };
  readonly timeoutMs: number;
  readonly log: Logger;
}

const KINDS: readonly ListKind[] = ['tools', 'prompts', 'resources', 'resourceTemplates'];

const REFUSING: UpstreamListener = {
  onServerRequest: () =>
    Promise.reject(new RampartError('RAMPART_METHOD_NOT_FOUND', 'rampart scan answers no requests')),
  onNotification: () => undefined,
  onConnected: () => undefined,
};

/** Everything the server lists; throws when it cannot be reached or does not answer in time. */
export async function inspectTarget(target: ScanTarget, options: InspectOptions): Promise<Inspected> {
  const config = serverConfigOf(target, options);
  const upstream = new Upstream(
    config,
    target.kind === 'stdio' ? (target.cwd ?? process.cwd()) : process.cwd(),
    options.log,
    REFUSING,
    {},
    {
      hidden: [],
      onEgress: (attempt) => options.log.info('scan: sandboxed server connection', { ...attempt }),
    },
  );
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    upstream.start();
    await Promise.race([upstream.whenReady(signal), firstAttemptFailed(upstream, signal)]);
    const catalog = new Catalog();
    const lists = await Promise.all(
      KINDS.map((kind) =>
        catalog.supports(upstream, kind) ? catalog.list(upstream, kind, signal) : Promise.resolve([]),
      ),
    );
    return {
      serverInfo: upstream.serverInfo,
      instructions: upstream.instructions,
      tools: lists[0] ?? [],
      prompts: lists[1] ?? [],
      resources: lists[2] ?? [],
      resourceTemplates: lists[3] ?? [],
    };
  } finally {
    await upstream.close().catch(() => undefined);
  }
}

/** The target as one Rampart server entry (validated by the same schema as a config file). */
function serverConfigOf(target: ScanTarget, options: InspectOptions): ServerConfig {
  const timeouts = {
    connectMs: options.timeoutMs,
    requestMs: options.timeoutMs,
    maxTotalMs: options.timeoutMs,
  };
  const restart = { initialDelayMs: 60_000, maxDelayMs: 60_000, resetAfterMs: 60_000 };
  const entry =
    target.kind === 'http'
      ? // A scan reports plain HTTP to a remote host as a finding rather than refusing to look.
        { name: 'scan', url: target.url, transport: target.transport, allowInsecureHttp: true, timeouts }
      : {
          name: 'scan',
          command: target.command,
          args: [...target.args],
          env: { ...target.env },
          ...(target.cwd ? { cwd: target.cwd } : {}),
          timeouts,
          restart,
          sandbox: options.sandbox ? scanSandbox(options.sandbox.allowHosts) : 'off',
        };
  const parsed = configSchema.parse({ servers: [entry], integrity: { mode: 'monitor' } });
  return parsed.servers[0] as ServerConfig;
}

/** No network, or egress to the given hosts (HTTPS) through the proxy; everything else as the gateway confines. */
function scanSandbox(allowHosts: readonly string[]) {
  return { network: allowHosts.length > 0 ? { egress: { allow: [...allowHosts], ports: [443] } } : 'none' };
}

/**
 * Rejects once the first connection attempt has failed: a scan reports an unreachable server at once instead of
 * waiting out the reconnect backoff a gateway would use.
 */
function firstAttemptFailed(upstream: Upstream, signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const timer = setInterval(() => {
      if (upstream.status === 'down' || signal.aborted) {
        clearInterval(timer);
        reject(
          new RampartError(
            'RAMPART_UPSTREAM_UNAVAILABLE',
            `${upstream.name} could not be started or reached`,
          ),
        );
      } else if (upstream.status === 'ready') clearInterval(timer);
    }, 25);
  });
}
