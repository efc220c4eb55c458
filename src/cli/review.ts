// `rampart review`: a permission review of the config's state (unused grants, tools never called, old approvals,
// unsigned or unsandboxed servers), printed and stored in rampart.db; `--patch FILE` writes the unified diff that
// revokes the unused grants. `review history` lists stored reports, `review show ID` prints one.
// Exit codes: 0 no findings (history, show: done), 1 findings (or no such report, or policies that do not load),
// 2 usage problems.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig } from '../config/demo.ts';
import { loadConfigFile } from '../config/load.ts';
import type { RampartConfig } from '../config/schema.ts';
import { formatProblem, PolicyLoadError } from '../policy/policy-files.ts';
import { renderHistory, renderReport } from '../review/render.ts';
import type { ReviewOptions } from '../review/report.ts';
import { ReviewStore } from '../review/review-store.ts';
import { runReview } from '../review/run-review.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';

export const REVIEW_USAGE = `Usage: rampart review [command] [options]

  [--config FILE] [--unused-days N] [--approval-age-days M] [--json] [--patch FILE]
        review permissions now: permit policies that allowed nothing in N days (default 30, or review.unusedDays),
        approved tools never or not recently called, approvals older than M days (default 90), servers without a
        signed manifest, stdio servers without a sandbox; the report is stored. --patch writes a unified diff
        (relative to the config file's directory: patch -p1, git apply) removing the unused grants.
        Exit code 0 without findings, 1 with findings.
  history [--config FILE] [--json]
        the stored reports, newest first
  show ID [--config FILE] [--json]
        one stored report

Without --config, the embedded demo's state directory (./.rampart) is used.
`;

const HISTORY_LIMIT = 100;
const MAX_DAYS = 3650;

export type ReviewIo = CommandIo;

/** Runs `rampart review` with its arguments; resolves to the exit code. */
export async function reviewCommand(args: string[], io: ReviewIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('review', REVIEW_USAGE, io);
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help) {
    out(REVIEW_USAGE);
    return 0;
  }
  const [sub, id, extra] = positionals;
  if (sub !== undefined && sub !== 'history' && sub !== 'show') return usage(`unknown command "${sub}"`);
  const runOnly = [values['unused-days'], values['approval-age-days'], values.patch].some(
    (v) => v !== undefined,
  );
  if (sub !== undefined && runOnly) {
    return usage('--unused-days, --approval-age-days and --patch belong to the review itself');
  }
  if (sub === 'history' && id !== undefined) return usage(`unexpected argument "${id}"`);
  if (sub === 'show' && id === undefined) return usage('show needs the report ID');
  if (extra !== undefined) return usage(`unexpected argument "${extra}"`);
  const overrides: { -readonly [K in keyof ReviewOptions]?: ReviewOptions[K] } = {};
  for (const [flag, key] of [
    ['unused-days', 'unusedDays'],
    ['approval-age-days', 'approvalAgeDays'],
  ] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_DAYS) {
      return usage(`--${flag} must be a whole number of days from 1 to ${MAX_DAYS}`);
    }
    overrides[key] = Number(text);
  }

  const { config, configDir } = values.config
    ? { config: loadConfigFile(values.config), configDir: path.dirname(path.resolve(values.config)) }
    : { config: demoConfig(path.resolve('.rampart')), configDir: process.cwd() };
  if (sub === 'history') return history(config, values.json, out);
  if (sub === 'show') return show(config, id!, values.json, out, err);
  return review(config, configDir, overrides, { json: values.json, patch: values.patch }, io, out, err);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'unused-days': { type: 'string' },
      'approval-age-days': { type: 'string' },
      patch: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

async function review(
  config: RampartConfig,
  configDir: string,
  overrides: Partial<ReviewOptions>,
  flags: { json: boolean; patch: string | undefined },
  io: ReviewIo,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  let report: Awaited<ReturnType<typeof runReview>>;
  try {
    report = await runReview({
      config,
      configDir,
      now: (io.now ?? Date.now)(),
      source: 'cli',
      options: overrides,
    });
  } catch (e) {
    if (!(e instanceof PolicyLoadError)) throw e;
    err(`rampart review: the policy files do not load\n${e.problems.map(formatProblem).join('\n')}\n`);
    return 1;
  }
  withStore(config, (store) => store.save(report));
  if (flags.patch !== undefined) {
    // Always written, empty when nothing is revoked: a pipeline never applies a previous run's patch.
    writeFileSync(flags.patch, report.patch ?? '');
  }
  if (flags.json) out(`${JSON.stringify(report)}\n`);
  else {
    out(renderReport(report));
    out(`\nstored as ${report.id} (rampart review show ${report.id})\n`);
  }
  if (flags.patch !== undefined) {
    err(
      report.patch === null
        ? `rampart review: no patch (nothing to revoke, or see the notes); ${flags.patch} is empty\n`
        : `rampart review: wrote ${flags.patch}; apply it in ${configDir} with patch -p1 or git apply\n`,
    );
  }
  return report.summary.findings === 0 ? 0 : 1;
}

function history(config: RampartConfig, json: boolean, out: (text: string) => void): number {
  const reports = stored(config) ? withStore(config, (store) => store.list(HISTORY_LIMIT)) : [];
  if (json) for (const r of reports) out(`${JSON.stringify(r)}\n`);
  else out(renderHistory(reports));
  return 0;
}

function show(
  config: RampartConfig,
  id: string,
  json: boolean,
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const report = stored(config) ? withStore(config, (store) => store.get(id)) : undefined;
  if (!report) {
    err(`rampart review: no stored report ${id.replace(/\p{Cc}/gu, '?')}\n`);
    return 1;
  }
  out(json ? `${JSON.stringify(report)}\n` : renderReport(report));
  return 0;
}

/** Whether the state directory has a database (reading the history must not create one). */
function stored(config: RampartConfig): boolean {
  return existsSync(path.join(config.stateDir, 'rampart.db'));
}

function withStore<T>(config: RampartConfig, fn: (store: ReviewStore) => T): T {
  const store = ReviewStore.open(config.stateDir);
  try {
    return fn(store);
  } finally {
    store.close();
  }
}
