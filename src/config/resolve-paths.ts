// A config file must mean the same thing whichever directory `rampart serve` is started from.
import { isAbsolute, resolve } from 'node:path';
import type { RampartConfig } from './schema.ts';
import { isStdioServer } from './schema.ts';

/**
 * Makes `stateDir`, policy files, each stdio server's `cwd` and each HTTP server's `tls.ca` absolute against the
 * config file's directory.
 */
export function resolveConfigPaths(config: RampartConfig, configDir: string): RampartConfig {
  return {
    ...config,
    stateDir: resolveAgainst(configDir, config.stateDir),
    ...(config.policy
      ? { policy: { ...config.policy, files: config.policy.files.map((f) => resolveAgainst(configDir, f)) } }
      : {}),
    servers: config.servers.map((server) =>
      // A missing cwd means "the config file's directory"; filling it in here keeps that rule in one place.
      isStdioServer(server)
        ? { ...server, cwd: resolveAgainst(configDir, server.cwd ?? '.') }
        : server.tls?.ca !== undefined
          ? { ...server, tls: { ...server.tls, ca: resolveAgainst(configDir, server.tls.ca) } }
          : server,
    ),
  };
}

function resolveAgainst(base: string, path: string): string {
  return isAbsolute(path) ? path : resolve(base, path);
}
