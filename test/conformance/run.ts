// `npm run conformance [-- --suite ID ...] [--verbose] [--keep]`: runs the official MCP conformance suites
// against Rampart, one at a time, and prints one line per suite. Server suites test Rampart fronting the
// conformance fixture over stdio; the client suite tests Rampart as the MCP client of the suite's mock servers
// (see client-harness.ts). Exits 1 when any counted scenario failed. Results go to a temp dir, kept on failure.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { start, stopAll } from './processes.ts';
import { type RampartChild, startRampart } from './rampart-child.ts';
import { judge, readChecks, type ScenarioResult } from './results.ts';
import { defineSuites, loadExpectedFailures, type Paths, type Suite, scenariosRun } from './suites.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/conformance-server/main.ts');
const TOTAL_MS = 10 * 60_000;
const SUITE_MS = 4 * 60_000;
const READY_MS = 30_000;

interface Outcome {
  line: string;
  extraLines: string[];
  failed: boolean;
  details: string[];
}

interface Context {
  paths: Paths;
  tmp: string;
  deadline: number;
  expected: Map<string, string>;
}

/** Set once the results directory exists, so an interrupted run can still say where its logs are. */
let resultsDir: string | undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

function describeFailure(result: ScenarioResult): string {
  return `  ${result.scenario}: ${result.problems.join(' | ')}${result.dir ? `\n    (${result.dir})` : ''}`;
}

function score(suite: Suite, ctx: Context, output: string, outDir: string, timedOut: boolean): Outcome {
  const checks = readChecks(outDir, suite.mode === 'server' ? 'server-' : '');
  const names = [...new Set([...scenariosRun(suite.mode, output), ...checks.keys()])];
  // A scored scenario the suite never reached (crash, time limit) is a failure, not an omission.
  for (const name of suite.scored ?? []) if (!names.includes(name)) names.push(name);
  const results = names.map((name) => judge(name, checks.get(name), suite.mode));
  const expected = suite.mode === 'client' ? ctx.expected : new Map<string, string>();
  const counted = results.filter((r) => !expected.has(r.scenario) && (suite.scored?.has(r.scenario) ?? true));
  const notScored = results.filter((r) => suite.scored !== undefined && !suite.scored.has(r.scenario));
  const failing = counted.filter((r) => !r.passed);
  let line = `${suite.name}: ${counted.length - failing.length} passed, ${failing.length} failed`;
  if (failing.length > 0) line += ` — failing: ${failing.map((r) => r.scenario).join(', ')}`;
  if (notScored.length > 0) {
    const bad = notScored.filter((r) => !r.passed).map((r) => r.scenario);
    line += ` (not scored by the requirement set: ${notScored.length} run, ${bad.length} failing${bad.length ? `: ${bad.join(', ')}` : ''})`;
  }
  const hollow = counted.filter((r) => r.passed && r.vacuous).map((r) => r.scenario);
  if (hollow.length > 0) line += ` (passed without a successful check: ${hollow.join(', ')})`;
  if (timedOut) line += ` [suite stopped at its time limit]`;
  if (results.length === 0) line += ' [the suite ran no scenario; see its log]';
  const extraLines: string[] = [];
  for (const scenario of expected.keys()) {
    const result = results.find((r) => r.scenario === scenario);
    if (!result) extraLines.push(`  ${scenario}: listed in expected-failures.yml but not run by this suite`);
    else if (result.passed)
      extraLines.push(`  ${scenario}: passed, although listed in expected-failures.yml`);
    else extraLines.push(`  ${scenario}: expected to fail (${expected.get(scenario)})`);
  }
  const details = [
    `${suite.name}`,
    ...failing.map(describeFailure),
    ...counted.filter((r) => r.passed && r.vacuous).map((r) => `${describeFailure(r)} [passed, vacuously]`),
    ...notScored.filter((r) => !r.passed).map((r) => `${describeFailure(r)} [not scored]`),
    ...results
      .filter((r) => expected.has(r.scenario) && !r.passed)
      .map((r) => `${describeFailure(r)} [expected]`),
  ];
  return { line, extraLines, failed: failing.length > 0 || timedOut || results.length === 0, details };
}

async function runSuite(suite: Suite, ctx: Context): Promise<Outcome> {
  const dir = path.join(ctx.tmp, suite.id);
  const outDir = path.join(dir, 'results');
  mkdirSync(dir, { recursive: true });
  let rampart: RampartChild | undefined;
  try {
    let url = '';
    if (suite.mode === 'server') {
      if (!existsSync(FIXTURE)) throw new Error(`the fixture ${path.relative(ROOT, FIXTURE)} does not exist`);
      const rampartDir = path.join(dir, 'rampart');
      mkdirSync(rampartDir);
      rampart = await startRampart({
        root: ROOT,
        node: ctx.paths.node,
        fixture: FIXTURE,
        dir: rampartDir,
        timeoutMs: Math.min(READY_MS, ctx.deadline - Date.now()),
      });
      url = rampart.url;
    }
    const logFile = path.join(dir, 'suite.log');
    const harnessTmp = path.join(dir, 'harness-state');
    mkdirSync(harnessTmp);
    const env = { ...process.env, RAMPART_HARNESS_TMP: harnessTmp };
    const tool = start(ctx.paths.node, suite.args(url, outDir), { cwd: dir, logFile, env });
    const budget = Math.min(SUITE_MS, ctx.deadline - Date.now());
    const timedOut =
      (await Promise.race([tool.exited.then(() => false), sleep(budget).then(() => true)])) === true;
    // Also sweeps the suite's process group: a harness must not outlive its suite.
    await tool.stop();
    return score(suite, ctx, readFileSync(logFile, 'utf8'), outDir, timedOut);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { line: `${suite.name}: not run (${reason})`, extraLines: [], failed: true, details: [] };
  } finally {
    await rampart?.process.stop();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      suite: { type: 'string', multiple: true },
      verbose: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24)
    throw new Error(`Node ${process.versions.node}: the suites and Rampart need Node 24 or later`);
  const paths: Paths = {
    root: ROOT,
    node: process.execPath,
    stable: path.join(ROOT, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
    alpha: path.join(ROOT, 'node_modules/conformance-alpha/dist/index.js'),
    harness: path.join(ROOT, 'test/conformance/client-harness.ts'),
  };
  const expected = loadExpectedFailures(path.join(ROOT, 'test/conformance/expected-failures.yml'));
  const suites = defineSuites(paths).filter((s) => !values.suite || values.suite.includes(s.id));
  if (suites.length === 0) throw new Error('no suite selected (ids: stable-server, alpha-2025-11-25, ...)');
  const tmp = mkdtempSync(path.join(tmpdir(), 'rampart-conformance-'));
  resultsDir = tmp;
  const ctx: Context = { paths, tmp, deadline: Date.now() + TOTAL_MS, expected };
  const outcomes: Outcome[] = [];
  for (const suite of suites) {
    if (Date.now() >= ctx.deadline) {
      outcomes.push({
        line: `${suite.name}: not run (time limit)`,
        extraLines: [],
        failed: true,
        details: [],
      });
    } else {
      outcomes.push(await runSuite(suite, ctx));
    }
    const outcome = outcomes.at(-1)!;
    process.stdout.write(`${outcome.line}\n`);
    for (const extra of outcome.extraLines) process.stdout.write(`${extra}\n`);
    if (values.verbose && outcome.details.length > 1) process.stdout.write(`${outcome.details.join('\n')}\n`);
  }
  const failed = outcomes.some((o) => o.failed);
  writeFileSync(
    path.join(tmp, 'details.txt'),
    `${outcomes.flatMap((o) => [o.line, ...o.details]).join('\n')}\n`,
  );
  if (failed || values.keep)
    process.stdout.write(`results and logs: ${tmp} (failures: ${tmp}/details.txt)\n`);
  else rmSync(tmp, { recursive: true, force: true });
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(
      `conformance: interrupted${resultsDir ? `; partial results in ${resultsDir}` : ''}\n`,
    );
    void stopAll().finally(() => process.exit(130));
  });
}
// Safety net above the per-suite budgets: whatever hangs, nothing outlives the runner.
const guard = setTimeout(() => {
  process.stderr.write('conformance: overall time limit reached\n');
  void stopAll().finally(() => process.exit(1));
}, TOTAL_MS + 60_000);
guard.unref();

main()
  .then(
    (code) => code,
    (err: unknown) => {
      process.stderr.write(`conformance: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    },
  )
  .then(async (code) => {
    await stopAll();
    process.exit(code);
  });
