// How a configured server is protected beyond policies: whether its definitions are checked against a publisher's
// signed manifest, and whether a stdio server runs sandboxed. Read from the server entry's keys only.
import type { ServerConfig } from '../config/schema.ts';
import { isStdioServer } from '../config/schema.ts';

/** True when the server entry names a signed manifest (`manifest`). */
export function hasSignedManifest(server: ServerConfig): boolean {
  const manifest = (server as Readonly<Record<string, unknown>>)['manifest'];
  return manifest !== undefined && manifest !== null && manifest !== false;
}

/**
 * True for a child process Rampart starts without a sandbox: only `sandbox: off` does that (every other stdio
 * server runs under bubblewrap, or does not start). HTTP servers are not Rampart's to sandbox.
 */
export function runsUnsandboxed(server: ServerConfig): boolean {
  if (!isStdioServer(server)) return false;
  return (server as Readonly<Record<string, unknown>>)['sandbox'] === 'off';
}
