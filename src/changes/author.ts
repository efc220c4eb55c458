// Who records a configuration version. The CLI cannot prove who runs it: names are what the operator states
// (--author, RAMPART_AUTHOR) or the OS account, as for `rampart approvals` (see docs/change-control.md).
import { userInfo } from 'node:os';

/** The author of a change: `explicit` (a --author flag), else RAMPART_AUTHOR, else the OS user name. */
export function authorOf(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const stated = explicit?.trim() || env['RAMPART_AUTHOR']?.trim();
  return stated || osUser(env);
}

/** The OS user name running this process ("unknown" when the account has no passwd entry). */
export function osUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers).
    return env['USER'] ?? env['USERNAME'] ?? 'unknown';
  }
}

/** Two names are the same person when they match ignoring case and surrounding spaces ("Alice" is "alice "). */
export function samePerson(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}
