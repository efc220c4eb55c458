// How a configured server is protected beyond policies: whether its definitions are checked against a publisher's
// signed manifest, and whether a stdio server runs sandboxed. Read from the server entry's keys only, so the
// manifest and sandbox work can change what they mean without the review following them around.
import type { ServerConfig } from '../config/schema.ts';
import { isStdioServer } from '../config/schema.ts';

/** True when the server entry names a signed manifest (`manifest`). */
export function hasSignedManifest(server: ServerConfig): boolean {
  const manifest = (server as Readonly<Record<string, unknown>>)['manifest'];
  return manifest !== undefined && manifest !== null && manifest !== false;
}

/**
 * True for a child process Rampart starts without a sandbox. HTTP servers are not Rampart's to sandbox; a stdio
 * server counts as sandboxed only once its entry has a `sandbox` key (none exists yet: every one is unsandboxed).
 */
export function runsUnsandboxed(server: ServerConfig): boolean {
  if (!isStdioServer(server)) return false;
  const sandbox = (server as Readonly<Record<string, unknown>>)['sandbox'];
  return sandbox === undefined || sandbox === null || sandbox === false;
}
