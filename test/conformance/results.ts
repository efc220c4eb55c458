// Reads what a conformance run left in its output directory (one `<prefix><scenario>-<timestamp>/checks.json`
// per scenario, nested for `auth/...` names) and turns it into a verdict per scenario.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Check {
  id: string;
  name?: string;
  status: string;
  description?: string;
  errorMessage?: string;
  details?: Record<string, unknown>;
}

export interface ScenarioResult {
  scenario: string;
  passed: boolean;
  /** No check succeeded: the scenario's assertions never ran. */
  vacuous: boolean;
  /** Why it failed, one short phrase per problem (check names, "no check passed", ...). */
  problems: string[];
  checks: Check[];
  dir: string | undefined;
}

const TIMESTAMP = /-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

/** Maps scenario name to its checks. `prefix` is what the tool puts before the name (`server-` in server mode). */
export function readChecks(outDir: string, prefix: string): Map<string, { checks: Check[]; dir: string }> {
  const found = new Map<string, { checks: Check[]; dir: string }>();
  let entries: string[];
  try {
    entries = readdirSync(outDir, { recursive: true, encoding: 'utf8' });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (path.basename(entry) !== 'checks.json') continue;
    const dir = path.dirname(entry);
    let name = dir.split(path.sep).join('/').replace(TIMESTAMP, '');
    if (prefix && name.startsWith(prefix)) name = name.slice(prefix.length);
    try {
      const checks = JSON.parse(readFileSync(path.join(outDir, entry), 'utf8')) as Check[];
      found.set(name, { checks, dir: path.join(outDir, dir) });
    } catch {
      found.set(name, {
        checks: [{ id: 'runner', status: 'FAILURE', errorMessage: 'unreadable checks.json' }],
        dir,
      });
    }
  }
  return found;
}

/**
 * The verdict for one scenario. Like the tool: any FAILURE fails it, and in client mode so does any WARNING
 * (the tool's client suite marks those ✗ too). Stricter than the tool in client mode: a scenario in which no
 * check succeeded fails, because the mock never saw what it checks (e.g. Rampart never sent `initialize`). In
 * server mode a scenario may legitimately declare itself not applicable (INFO only); it passes but is flagged.
 */
export function judge(
  scenario: string,
  entry: { checks: Check[]; dir: string } | undefined,
  mode: 'server' | 'client',
): ScenarioResult {
  if (!entry) {
    return {
      scenario,
      passed: false,
      vacuous: false,
      problems: ['no checks.json was written'],
      checks: [],
      dir: undefined,
    };
  }
  const problems: string[] = [];
  for (const check of entry.checks) {
    if (check.status === 'FAILURE' || (mode === 'client' && check.status === 'WARNING')) {
      const label = `${check.status} ${check.name ?? check.id}`;
      const what = check.errorMessage ?? check.description ?? '';
      // Some checks repeat their name as the message ("Expected Check Missing: x"): print it once.
      problems.push(
        what && !what.includes(check.name ?? check.id)
          ? `${label}: ${what}`
          : what
            ? `${check.status} ${what}`
            : label,
      );
    }
  }
  const vacuous = !entry.checks.some((check) => check.status === 'SUCCESS');
  if (vacuous) {
    const info = entry.checks.filter((check) => check.status === 'INFO').at(-1);
    const last = info ? ` (last INFO: ${info.description ?? info.id}${detailMessage(info)})` : '';
    problems.push(`no check passed${last}`);
  }
  const passed = mode === 'client' ? problems.length === 0 : !problems.some((p) => !p.startsWith('no check'));
  return { scenario, passed, vacuous, problems, checks: entry.checks, dir: entry.dir };
}

function detailMessage(check: Check): string {
  const message = check.details?.['message'];
  return typeof message === 'string' ? `: ${message}` : '';
}
