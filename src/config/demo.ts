// The config `rampart serve` runs when no config file is given: Rampart on loopback in front of the bundled
// demo server, so a first run needs no setup, no network and no npx download.
import { dirname, resolve } from 'node:path';
import { DEMO_SERVER_MAIN } from '../demo/location.ts';
import { DEFAULT_POLICY_FILE } from '../policy/default-policy.ts';
import { sandboxAvailable } from '../sandbox/executables.ts';
import type { RampartConfig } from './schema.ts';
import { configSchema } from './schema.ts';

/** The embedded demo config with state under `stateDir` (resolved against the working directory). */
export function demoConfig(stateDir: string): RampartConfig {
  // Parsed through the schema so every default matches what a config file would get.
  return configSchema.parse({
    listen: { host: '127.0.0.1', port: 8787 },
    stateDir: resolve(stateDir),
    servers: [
      {
        name: 'demo',
        // The running Node binary, so the demo works however Rampart was started (npx, a Node version manager).
        command: process.execPath,
        args: [DEMO_SERVER_MAIN],
        cwd: dirname(DEMO_SERVER_MAIN),
        // The demo server ships inside Rampart itself, so what it serves first is trusted; a later change to it is
        // still held for review. Servers in a config file default to `enforce`.
        integrity: 'tofu',
        // Confined like any stdio server where bubblewrap is installed; without it the demo (Rampart's own code)
        // runs unconfined, explicitly, so that the first run needs nothing but Node.js (`rampart serve` says so).
        ...(sandboxAvailable() ? {} : { sandbox: 'off' }),
      },
    ],
    // Rampart's default policy set (policies/default.cedar): everything allowed except toxic flows.
    policy: { files: [DEFAULT_POLICY_FILE] },
  });
}
