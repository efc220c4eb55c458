// The systems under test, one row each. To add a row (JWT on, DPoP on, audit digest mode...), add an
// entry to CONFIGS: `setup` says how to start it and which process is "the proxy process" (whose own
// CPU and RSS are reported; everything it spawns counts as upstream), and `tool` what to call.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

/** A process to start, pinned to the SUT core. Its pid is what /proc is read for. */
export type ProcessSpec = { argv: string[]; cwd?: string };

export type Sut = {
  /** The MCP endpoint the load generator talks to (must answer initialize when the system is ready). */
  url: string;
  /** "The proxy process": its own CPU is the proxy CPU per call; its descendants count as upstream. */
  proxy?: ProcessSpec;
  /** A separate upstream process, started (and waited for) before the proxy. */
  upstream?: ProcessSpec & { url: string };
  /** Extra request headers for every client request ("name: value"), e.g. a bearer token. */
  headers?: string[];
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
 * `extra` is merged over the top level, so feature rows only state what they turn on.
 */
async function rampart(ctx: SetupContext, extra: Record<string, unknown> = {}): Promise<Sut> {
  const port = await ctx.port();
  const config = {
    listen: { host: '127.0.0.1', port },
    stateDir: join(ctx.dir, 'state'),
    log: { level: 'warn' },
    servers: [{ name: 'echo', command: ctx.node, args: [resolve(ctx.root, ECHO_STDIO)] }],
    ...extra,
  };
  mkdirSync(ctx.dir, { recursive: true });
  const file = join(ctx.dir, 'rampart.yaml');
  writeFileSync(file, stringify(config));
  return { url: mcpUrl(port), proxy: { argv: [ctx.node, 'src/cli/main.ts', 'serve', '--config', file] } };
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
];

/** The row the targets compare against. */
export const BASELINE = 'mcp-proxy';

export const DEFAULT_CONFIGS = ['direct', 'mcp-proxy', 'rampart'];
