// `rampart serve`: run the gateway until SIGINT/SIGTERM, on a config file or on the embedded demo.
import path from 'node:path';
import { demoConfig } from '../config/demo.ts';
import { loadConfigFile } from '../config/load.ts';
import type { RampartConfig, StdioServerConfig } from '../config/schema.ts';
import { isStdioServer } from '../config/schema.ts';
import { createLogger } from '../monitor/logger.ts';
import { Rampart } from '../runtime.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Refuses a non-loopback bind: without client authentication anyone who can reach the port could call tools. */
export function checkBindSafety(config: RampartConfig): string | undefined {
  if (config.auth) return undefined;
  if (LOOPBACK.has(config.listen.host) || config.listen.host.startsWith('127.')) return undefined;
  return (
    `refusing to listen on ${config.listen.host}: no client authentication is configured, so only loopback ` +
    'addresses (127.0.0.1, ::1) are allowed'
  );
}

/** How a stdio server is confined, for the start banner: an unconfined one is named as such. */
function confinement(server: StdioServerConfig): string {
  if (server.sandbox === 'off') return 'UNSANDBOXED (sandbox: off)';
  return server.sandbox.network === 'none' ? 'sandboxed, no network' : 'sandboxed, egress via proxy';
}

export async function serve(configPath: string | undefined): Promise<number> {
  const config = configPath ? loadConfigFile(configPath) : demoConfig(path.resolve('.rampart'));
  const baseDir = configPath ? path.dirname(path.resolve(configPath)) : process.cwd();
  const unsafe = checkBindSafety(config);
  if (unsafe) {
    process.stderr.write(`rampart: ${unsafe}\n`);
    return 2;
  }
  const log = createLogger(config.log.level);
  const rampart = new Rampart(config, { baseDir, log, configFile: configPath });
  const url = await rampart.start();
  const servers = config.servers
    .map(
      (s) =>
        `    - ${s.name} (${isStdioServer(s) ? `stdio: ${s.command ?? s.package}, ${confinement(s)}` : s.url})`,
    )
    .join('\n');
  process.stdout.write(
    [
      `Rampart is listening on ${url}${configPath ? '' : '  (embedded demo: no config given)'}`,
      `  upstream servers:`,
      servers,
      `  state: ${path.resolve(baseDir, config.stateDir)}`,
      `  tool integrity: ${[...new Set(config.servers.map((s) => s.integrity ?? config.integrity.mode))].join(', ')}; new and changed definitions wait for review: rampart tools pending${configPath ? ` --config ${configPath}` : ''}`,
      config.auth
        ? `  clients authenticate with OAuth access tokens from: ${config.auth.issuers.map((i) => i.issuer).join(', ')}`
        : `  no client authentication is configured: loopback only.`,
      `  Connect an MCP client (Streamable HTTP) to ${url}`,
      `    e.g. claude mcp add --transport http rampart ${url}`,
      `    or, for clients that only launch commands: rampart stdio --config <file>`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await rampart.stop();
  return 0;
}
