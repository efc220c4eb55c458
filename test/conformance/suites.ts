// The four conformance runs and how each is scored. Server runs point the suite at Rampart (fronting the
// fixture); the client run makes the suite start one mock server per scenario and launch the harness against it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface Paths {
  root: string;
  node: string;
  stable: string;
  alpha: string;
  harness: string;
}

export interface Suite {
  id: string;
  /** Printed at the start of the summary line. */
  name: string;
  mode: 'server' | 'client';
  args(url: string, outDir: string): string[];
  /** Alpha `--requirements` runs: only these scenarios count; the rest are run and reported, not scored. */
  scored: Set<string> | undefined;
}

function versionOf(entry: string): string {
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function scoredServerScenarios(alphaEntry: string, revision: string): Set<string> {
  const file = path.join(path.dirname(alphaEntry), '..', 'requirements', `${revision}.yaml`);
  const doc = parse(readFileSync(file, 'utf8')) as { server?: string[] };
  return new Set(doc.server ?? []);
}

export function defineSuites(paths: Paths): Suite[] {
  const stable = versionOf(paths.stable);
  const alpha = versionOf(paths.alpha);
  const requirements = (revision: string): Suite => ({
    id: `alpha-${revision}`,
    name: `conformance ${alpha} server --requirements ${revision}`,
    mode: 'server',
    args: (url, out) => [paths.alpha, 'server', '--url', url, '--requirements', revision, '-o', out],
    scored: scoredServerScenarios(paths.alpha, revision),
  });
  return [
    {
      id: 'stable-server',
      name: `conformance ${stable} server --suite all`,
      mode: 'server',
      args: (url, out) => [paths.stable, 'server', '--url', url, '--suite', 'all', '-o', out],
      scored: undefined,
    },
    requirements('2025-11-25'),
    requirements('2026-07-28'),
    {
      id: 'stable-client',
      name: `conformance ${stable} client --suite all`,
      mode: 'client',
      // The suite splits --command on spaces and appends the mock server's URL as the last argument.
      args: (_url, out) => [
        paths.stable,
        'client',
        '--command',
        `${paths.node} ${paths.harness}`,
        '--suite',
        'all',
        '-o',
        out,
      ],
      scored: undefined,
    },
  ];
}

/** Scenario names in the order the suite ran them, from its console output. */
export function scenariosRun(mode: Suite['mode'], output: string): string[] {
  const pattern = mode === 'server' ? /^=== Running scenario: (\S+) ===$/gm : /^Starting scenario: (\S+)$/gm;
  return [...output.matchAll(pattern)].map((match) => match[1]!);
}

/** The auth/* client scenarios expected to fail for a reason that is not Rampart's, with that reason each. */
export function loadExpectedFailures(file: string): Map<string, string> {
  const doc = parse(readFileSync(file, 'utf8')) as { client?: Record<string, string> } | null;
  const extra = Object.keys(doc ?? {}).filter((key) => key !== 'client');
  if (extra.length > 0)
    throw new Error(`${file}: only a "client" section is allowed, not ${extra.join(', ')}`);
  const entries = Object.entries(doc?.client ?? {});
  for (const [scenario, reason] of entries) {
    if (!scenario.startsWith('auth/')) {
      throw new Error(`${file}: only auth/* client scenarios may be listed, not ${scenario}`);
    }
    if (typeof reason !== 'string' || reason.trim() === '')
      throw new Error(`${file}: ${scenario} needs a reason`);
  }
  return new Map(entries);
}
