// `rampart config history|diff|rollback|propose|approve|reject`: the configuration versions in the state
// directory of a config file (see docs/change-control.md). Like `rampart approvals`, the CLI cannot prove who
// runs it: authors and approvers are the names stated (--author, RAMPART_AUTHOR, --approver) or the OS user.
// Exit codes: 0 done, 1 refused (self-approval, unknown version, wrong status, unreadable files), 2 usage.
import { existsSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { authorOf } from '../changes/author.ts';
import { looseConfig } from '../changes/loose-config.ts';
import { propose } from '../changes/proposal.ts';
import { rollback } from '../changes/rollback.ts';
import { absoluteName, readSnapshot, type SnapshotFile } from '../changes/snapshot.ts';
import { diffVersions } from '../changes/version-diff.ts';
import {
  isTwoPersonApproved,
  VERSIONS_DB_FILE,
  type VersionRecord,
  VersionStore,
} from '../changes/version-store.ts';
import { ConfigError } from '../config/config-error.ts';
import { loadConfigFile, parseConfigText } from '../config/load.ts';
import { RampartError } from '../errors.ts';
import { printable, table } from './terminal-text.ts';

export const CONFIG_USAGE = `Usage: rampart config <history|diff|rollback|propose|approve|reject> [options]

  history [--config FILE] [--json] [--limit N]
                     every recorded version: number, time, author, status, digest, approvers, message
  diff A [B] [--config FILE]
                     unified diff of version A's files against version B's, or against the files on disk now
  rollback N [--config FILE] [--author NAME]
                     write version N's files back to disk and record a new version "rollback to N"
  propose [--config FILE] [--author NAME] [-m MESSAGE]
                     record the files on disk as a proposed version (the two-person rule runs it once approved)
  approve N --approver NAME [--config FILE] [--reason TEXT]
                     approve version N; the approver must be someone other than its author
  reject N [--config FILE]
                     reject a proposed or approved version

--config defaults to ./rampart.yaml. The author defaults to RAMPART_AUTHOR, else your OS user name.
`;

const MAX_TEXT = 2000;
const DEFAULT_CONFIG = 'rampart.yaml';

export interface ConfigIo {
  readonly now?: () => number;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

type Parsed = ReturnType<typeof parse>;

/** Runs `rampart config` with its arguments; resolves to the exit code. */
export async function configCommand(argv: string[], io: ConfigIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const usage = (message: string) => {
    err(`rampart config: ${message}\n${CONFIG_USAGE}`);
    return 2;
  };
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
  if (parsed.values.help) {
    out(CONFIG_USAGE);
    return 0;
  }
  const problem = usageProblem(parsed);
  if (problem) return usage(problem);
  const context: Context = {
    values: parsed.values,
    args: parsed.positionals.slice(1),
    configFile: path.resolve(parsed.values.config ?? DEFAULT_CONFIG),
    now: (io.now ?? Date.now)(),
    env: io.env ?? process.env,
    out,
    err,
  };
  try {
    return run(parsed.positionals[0]!, context);
  } catch (e) {
    if (e instanceof RampartError) {
      err(`rampart config: ${printable(e.message)} [${e.code}]\n`);
      return 1;
    }
    if (e instanceof ConfigError) {
      err(`rampart config: invalid configuration [${e.code}]\n${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

interface Context {
  readonly values: Parsed['values'];
  /** The positionals after the subcommand. */
  readonly args: readonly string[];
  readonly configFile: string;
  readonly now: number;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

function run(sub: string, c: Context): number {
  if (sub === 'propose') {
    // Only a valid configuration can be proposed (it is what would run).
    const stateDir = loadConfigFile(c.configFile).stateDir;
    return withStore(stateDir, true, (store) => proposeCommand(store, c));
  }
  const stateDir = stateDirOf(c.configFile);
  if (sub === 'history' && !existsSync(path.join(stateDir, VERSIONS_DB_FILE))) {
    if (!c.values.json) c.out('no configuration versions\n');
    return 0;
  }
  return withStore(stateDir, false, (store) => {
    switch (sub) {
      case 'history':
        return history(store, c);
      case 'diff':
        return diff(store, c);
      case 'rollback':
        return rollbackCommand(store, c);
      case 'approve':
        return approve(store, c);
      default:
        return reject(store, c);
    }
  });
}

function withStore(stateDir: string, create: boolean, work: (store: VersionStore) => number): number {
  if (!create && !existsSync(path.join(stateDir, VERSIONS_DB_FILE))) {
    throw new RampartError(
      'RAMPART_CHANGE_UNKNOWN_VERSION',
      `no configuration versions are recorded in ${stateDir} (Rampart records one at every start)`,
    );
  }
  const store = new VersionStore(stateDir);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

function history(store: VersionStore, c: Context): number {
  const limit = c.values.limit === undefined ? undefined : Number(c.values.limit);
  const versions = store.list(limit);
  if (c.values.json) {
    for (const v of versions) c.out(`${JSON.stringify(versionView(v))}\n`);
    return 0;
  }
  if (versions.length === 0) {
    c.out('no configuration versions\n');
    return 0;
  }
  const header = ['VERSION', 'TIME', 'AUTHOR', 'STATUS', 'SHA256', 'FROM', 'APPROVERS', 'MESSAGE'];
  const rows = versions.map((v) => [
    String(v.seq),
    time(v.createdAt),
    v.author,
    v.status,
    v.digest.slice(0, 12),
    v.derivedFrom === undefined ? '-' : String(v.derivedFrom),
    approvers(v),
    v.message,
  ]);
  c.out(table(header, rows));
  return 0;
}

function diff(store: VersionStore, c: Context): number {
  const from = versionNumber(c.args[0]!);
  const fromSide = { label: `version ${from}`, files: store.files(from) };
  const toSide =
    c.args[1] === undefined
      ? { label: 'on disk', files: readSnapshot(c.configFile).files }
      : { label: `version ${versionNumber(c.args[1])}`, files: store.files(versionNumber(c.args[1])) };
  c.out(diffVersions(fromSide, toSide));
  return 0;
}

function rollbackCommand(store: VersionStore, c: Context): number {
  const seq = versionNumber(c.args[0]!);
  const author = authorOf(c.values.author, c.env);
  const result = rollback(store, seq, { configFile: c.configFile, author, now: c.now });
  const names = (files: readonly SnapshotFile[]) => files.map((f) => printable(f.path)).join(', ');
  c.out(
    result.written.length > 0
      ? `restored the files of version ${seq}: wrote ${names(result.written)}` +
          `${result.unchanged.length > 0 ? ` (already identical: ${names(result.unchanged)})` : ''}\n`
      : `the files on disk already are version ${seq}'s\n`,
  );
  const recorded = result.recorded;
  if (!recorded) c.out(`version ${seq} is the active version; no new version was recorded\n`);
  else if (recorded.status === 'approved') {
    c.out(
      `recorded version ${recorded.seq} (approved: carries over the approvals of version ` +
        `${recorded.approvals[0]?.inheritedFrom}): rollback to ${seq}\n`,
    );
  } else {
    c.out(
      `recorded version ${recorded.seq} (proposed): rollback to ${seq}\n` +
        `  under the two-person rule it runs once someone other than ${printable(author)} approves it: ` +
        `rampart config approve ${recorded.seq} --approver NAME\n`,
    );
  }
  const wrote = (role: 'config' | 'policy') => result.written.some((f) => f.role === role);
  if (wrote('policy')) c.out('A running gateway reloads the restored policy files by its file watch.\n');
  if (wrote('config')) {
    c.out('The restored configuration file applies at the next start: restart the gateway.\n');
  }
  return 0;
}

function proposeCommand(store: VersionStore, c: Context): number {
  const snapshot = readSnapshot(c.configFile);
  const author = authorOf(c.values.author, c.env);
  const outcome = propose(store, snapshot, {
    author,
    now: c.now,
    message: c.values.message ?? '',
  });
  const v = outcome.version;
  switch (outcome.kind) {
    case 'active':
      c.out(`nothing to propose: the files on disk are version ${v.seq}, the active version\n`);
      return 0;
    case 'waiting':
      c.out(`the files on disk are already version ${v.seq} (${v.status}, by ${printable(v.author)})\n`);
      return 0;
    case 'proposed':
      c.out(
        `proposed version ${v.seq} (sha256 ${v.digest.slice(0, 12)}) by ${printable(author)}\n` +
          `  someone else approves it with: rampart config approve ${v.seq} --approver NAME\n`,
      );
      return 0;
  }
}

function approve(store: VersionStore, c: Context): number {
  const seq = versionNumber(c.args[0]!);
  const approver = c.values.approver!.trim();
  const reason = c.values.reason === '' ? undefined : c.values.reason;
  const version = store.approve(seq, approver, c.now, reason);
  c.out(`approved version ${seq} as ${printable(approver)}\n`);
  if (version.status !== 'approved' || !isTwoPersonApproved(version)) return 0;
  // The watch already saw (and, under the rule, refused) these files: touching them makes it look again.
  const touched = touchIfOnDisk(store, version, c);
  if (touched.length > 0) {
    c.out(`touched ${touched.map(printable).join(', ')} so that a running gateway reloads them\n`);
  }
  const active = store.active();
  if (!active) c.out('It runs when a gateway starts with these files.\n');
  else if (configOf(active)?.sha256 !== configOf(version)?.sha256) {
    c.out('The configuration file of this version applies at the next start.\n');
  }
  return 0;
}

function reject(store: VersionStore, c: Context): number {
  const seq = versionNumber(c.args[0]!);
  store.reject(seq);
  c.out(`rejected version ${seq}\n`);
  return 0;
}

/**
 * When the approved files are on disk now and only policy files differ from the active version (a running
 * gateway applies those by its watch), their modification time is bumped so the watch fires.
 */
function touchIfOnDisk(store: VersionStore, version: VersionRecord, c: Context): string[] {
  let onDisk: string;
  try {
    onDisk = readSnapshot(c.configFile).digest;
  } catch {
    return [];
  }
  const active = store.active();
  if (onDisk !== version.digest || !active || configOf(active)?.sha256 !== configOf(version)?.sha256)
    return [];
  const dir = path.dirname(c.configFile);
  const activeFiles = new Map(active.files.map((f) => [f.path, f.sha256]));
  const changed = version.files.filter((f) => f.role === 'policy' && activeFiles.get(f.path) !== f.sha256);
  const when = new Date(c.now);
  const touched: string[] = [];
  for (const file of changed) {
    try {
      utimesSync(absoluteName(dir, file.path), when, when);
      touched.push(file.path);
    } catch {
      // Gone since: the next reload or start judges whatever is there.
    }
  }
  return touched;
}

function configOf(version: VersionRecord) {
  return version.files.find((f) => f.role === 'config');
}

/** The state directory of the config file; a config that no longer validates still names it. */
function stateDirOf(configFile: string): string {
  let text: string;
  try {
    text = readFileSync(configFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RampartError('RAMPART_CHANGE_FILE_UNREADABLE', `cannot read ${configFile} (${code})`);
  }
  try {
    return parseConfigText(text, configFile).stateDir;
  } catch {
    // Broken configs are what rollback is for: find the state directory the way the loader would.
    return path.resolve(path.dirname(configFile), looseConfig(text).stateDir);
  }
}

function versionView(v: VersionRecord) {
  return {
    version: v.seq,
    time: time(v.createdAt),
    author: v.author,
    status: v.status,
    sha256: v.digest,
    message: v.message,
    derivedFrom: v.derivedFrom ?? null,
    twoPersonRule: v.twoPersonRule,
    bootstrap: v.bootstrap,
    approvals: v.approvals.map((a) => ({
      approver: a.approver,
      time: time(a.at),
      reason: a.reason ?? null,
      inheritedFrom: a.inheritedFrom ?? null,
    })),
    files: v.files.map((f) => ({ path: f.path, role: f.role, sha256: f.sha256 })),
  };
}

function approvers(v: VersionRecord): string {
  const names = v.approvals.map((a) =>
    a.inheritedFrom === undefined ? a.approver : `${a.approver} (from ${a.inheritedFrom})`,
  );
  if (v.bootstrap) names.push('(bootstrap)');
  return names.length > 0 ? names.join(', ') : '-';
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function versionNumber(text: string): number {
  // Checked by usageProblem.
  return Number(text);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string' },
      author: { type: 'string' },
      approver: { type: 'string' },
      reason: { type: 'string' },
      message: { type: 'string', short: 'm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

const ARITY: Record<string, { min: number; max: number; options: readonly string[] }> = {
  history: { min: 0, max: 0, options: ['json', 'limit'] },
  diff: { min: 1, max: 2, options: [] },
  rollback: { min: 1, max: 1, options: ['author'] },
  propose: { min: 0, max: 0, options: ['author', 'message'] },
  approve: { min: 1, max: 1, options: ['approver', 'reason'] },
  reject: { min: 1, max: 1, options: [] },
};

/** What is wrong with the command line, if anything. */
function usageProblem({ positionals, values }: Parsed): string | undefined {
  const [sub, ...args] = positionals;
  if (sub === undefined) return 'give a subcommand: history, diff, rollback, propose, approve or reject';
  const spec = ARITY[sub];
  if (!spec) return `unknown subcommand "${printable(sub)}"`;
  if (args.length < spec.min) return `${sub} needs a version number`;
  if (args.length > spec.max) return `unexpected argument "${printable(args[spec.max]!)}"`;
  const bad = args.find((a) => !/^[1-9]\d{0,14}$/.test(a));
  if (bad !== undefined) return `"${printable(bad)}" is not a version number`;
  for (const option of ['json', 'limit', 'author', 'approver', 'reason', 'message'] as const) {
    const given = option === 'json' ? values.json : values[option] !== undefined;
    if (given && !spec.options.includes(option)) return `--${option} does not belong to ${sub}`;
  }
  if (values.limit !== undefined && !/^[1-9]\d{0,5}$/.test(values.limit))
    return '--limit takes a positive number';
  for (const option of ['author', 'approver', 'reason', 'message'] as const) {
    const text = values[option];
    if (text !== undefined && text.length > MAX_TEXT)
      return `--${option} is longer than ${MAX_TEXT} characters`;
  }
  if (sub === 'approve') {
    if (values.approver === undefined || values.approver.trim() === '')
      return 'approve needs --approver NAME';
  }
  if (values.author !== undefined && values.author.trim() === '') return '--author is empty';
  return undefined;
}
