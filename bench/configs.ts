// The systems under test, one row each. To add a row (audit digest mode, another guard...), add an
// entry to CONFIGS: `setup` says how to start it and which process is "the proxy process" (whose own
// CPU and RSS are reported; everything it spawns counts as upstream), and `tool` what to call.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { AuthMode } from './auth-client.ts';
import { startIssuer } from './auth-issuer.ts';

/** A process to start, pinned to the SUT core. Its pid is what /proc is read for. */
export type ProcessSpec = { argv: string[]; cwd?: string };

export type Sut = {
  /** The MCP endpoint the load generator talks to (must answer initialize when the system is ready). */
  url: string;
  /** "The proxy process": its own CPU is the proxy CPU per call; its descendants count as upstream. */
  proxy?: ProcessSpec;
  /** A separate upstream process, started (and waited for) before the proxy. */
  upstream?: ProcessSpec & { url: string };
  /** Extra request headers for every client request ("name: value"), constant for all clients. */
  headers?: string[];
  /** Per-client credentials for the load generator and the readiness probe (see auth-client.ts). */
  auth?: { mode: AuthMode; file: string };
};

export type SetupContext = {
  /** A free loopback TCP port. */
  port: () => Promise<number>;
  /** A private scratch directory for this config (config files, state). Removed after the run. */
  dir: string;
  /** The Node 24 binary running the bench; every Node process under test uses it too. */
  node: string;
  /** Repository root (absolute). */
  root: string;
  /** The most virtual clients any run will use (per-client credentials are minted for this many). */
  clients: number;
  /** Registers a stop for something setup started in the orchestrator itself (the token issuer). */
  onCleanup: (stop: () => Promise<void>) => void;
};

export type BenchConfig = {
  name: string;
  description: string;
  /** Name of the echo tool as this system exposes it. */
  tool: string;
  setup: (ctx: SetupContext) => Promise<Sut>;
};

const ECHO_STDIO = 'bench/servers/echo-stdio.ts';
const ECHO_HTTP = 'bench/servers/echo-http.ts';
const MCP_PROXY = 'node_modules/mcp-proxy/dist/bin/mcp-proxy.mjs';

const mcpUrl = (port: number) => `http://127.0.0.1:${port}/mcp`;

/**
 * Writes a Rampart config fronting the stdio echo as server `echo` and returns how to start Rampart.
 * `extra` is merged over the top level, so feature rows only state what they turn on. `port` is for rows
 * whose config must name the listen URL themselves (auth.resource).
 */
async function rampart(
  ctx: SetupContext,
  extra: Record<string, unknown> = {},
  port?: number,
  entry: string[] = ['src/cli/main.ts', 'serve'],
): Promise<Sut> {
  port ??= await ctx.port();
  const config = {
    listen: { host: '127.0.0.1', port },
    stateDir: join(ctx.dir, 'state'),
    log: { level: 'warn' },
    // The benchmark's echo server is trusted on first use: the quarantine costs nothing per call once pinned.
    integrity: { mode: 'tofu' },
    servers: [{ name: 'echo', command: ctx.node, args: [resolve(ctx.root, ECHO_STDIO)] }],
    ...extra,
  };
  mkdirSync(ctx.dir, { recursive: true });
  const file = join(ctx.dir, 'rampart.yaml');
  writeFileSync(file, stringify(config));
  return { url: mcpUrl(port), proxy: { argv: [ctx.node, ...entry, '--config', file] } };
}

/**
 * Rampart as a resource server: a bench issuer (in the orchestrator, so neither proxy nor upstream) serves the
 * JWKS, every virtual client presents its own token, and `dpop` binds each token to a client key and requires
 * a proof on every request. The resource is the URL the clients use, as DPoP's htu check needs.
 */
async function rampartWithAuth(ctx: SetupContext, mode: AuthMode): Promise<Sut> {
  const port = await ctx.port();
  const resource = mcpUrl(port);
  mkdirSync(ctx.dir, { recursive: true });
  const file = join(ctx.dir, 'client-auth.json');
  const issuer = await startIssuer({ port: await ctx.port(), resource, mode, clients: ctx.clients, file });
  ctx.onCleanup(issuer.stop);
  const auth = {
    resource,
    issuers: [{ issuer: issuer.issuer, jwksUri: issuer.jwksUri, algorithms: ['ES256'] }],
    scopes: { required: ['mcp'] },
    ...(mode === 'dpop' ? { binding: { require: 'dpop' } } : {}),
  };
  const sut = await rampart(ctx, { auth }, port);
  return { ...sut, auth: { mode, file } };
}

export const CONFIGS: BenchConfig[] = [
  {
    name: 'direct',
    description:
      'client -> echo upstream over Streamable HTTP (bench/servers/echo-http.ts, JSON responses), no proxy',
    tool: 'echo',
    async setup(ctx) {
      const port = await ctx.port();
      return {
        url: mcpUrl(port),
        upstream: { argv: [ctx.node, ECHO_HTTP, '--port', String(port)], url: mcpUrl(port) },
      };
    },
  },
  {
    name: 'mcp-proxy',
    description:
      'client -> mcp-proxy 6.7.19 (npm, --server stream) -> stdio echo (bench/servers/echo-stdio.ts)',
    tool: 'echo',
    async setup(ctx) {
      const port = await ctx.port();
      const argv = [ctx.node, MCP_PROXY, '--host', '127.0.0.1', '--port', String(port), '--server', 'stream'];
      return { url: mcpUrl(port), proxy: { argv: [...argv, '--', ctx.node, ECHO_STDIO] } };
    },
  },
  {
    name: 'rampart',
    description:
      'client -> Rampart (src/cli/main.ts serve, defaults) -> stdio echo (bench/servers/echo-stdio.ts)',
    tool: 'echo__echo',
    setup: (ctx) => rampart(ctx),
  },
  {
    name: 'rampart-noaudit',
    description:
      'rampart without the audit log (bench/servers/rampart-unaudited.ts; not reachable from config): the ' +
      "baseline that isolates the audit's cost, since the `rampart` row audits in digest mode by default",
    tool: 'echo__echo',
    setup: (ctx) => rampart(ctx, {}, undefined, ['bench/servers/rampart-unaudited.ts']),
  },
  {
    name: 'rampart-jwt',
    description:
      'rampart + auth: one ES256 bearer JWT per virtual client, verified through the JWKS of a bench issuer ' +
      '(bench/auth-issuer.ts, in the orchestrator); the verified-token cache is warm before anything counts',
    tool: 'echo__echo',
    setup: (ctx) => rampartWithAuth(ctx, 'bearer'),
  },
  {
    name: 'rampart-dpop',
    description:
      'rampart-jwt with DPoP required: each token bound to its client key (cnf.jkt), a fresh proof per request ' +
      'made by the load generator with jose SignJWT (bench/auth-client.ts)',
    tool: 'echo__echo',
    setup: (ctx) => rampartWithAuth(ctx, 'dpop'),
  },
];

/** The row the ratio targets compare against. */
export const BASELINE = 'mcp-proxy';

/**
 * The authentication cost targets (issue 3): the proxy CPU per call of each row minus that of `AUTH_BASELINE`
 * (unauthenticated Rampart, same run, same (rep, c) cell) must stay within `maxDeltaUs`.
 */
export const AUTH_BASELINE = 'rampart';
export const AUTH_TARGETS = [
  { config: 'rampart-jwt', maxDeltaUs: 60 },
  { config: 'rampart-dpop', maxDeltaUs: 250 },
];

/** The audit cost target (issue 4): digest-mode audit (the default) against Rampart without the audit log. */
export const AUDIT_BASELINE = 'rampart-noaudit';
export const AUDIT_TARGETS = [{ config: 'rampart', maxDeltaUs: 40, level: 16 }];

/** Rows compared against their own baseline (above): shown in the ratio table unmarked. */
export const UNMARKED_IN_RATIOS = ['rampart-noaudit', 'rampart-jwt', 'rampart-dpop'];

export const DEFAULT_CONFIGS = [
  'direct',
  'mcp-proxy',
  'rampart',
  'rampart-noaudit',
  'rampart-jwt',
  'rampart-dpop',
];
