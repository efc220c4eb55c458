// `rampart scan`: finds the MCP servers the clients on this machine are configured with (Claude Desktop, Claude
// Code, Cursor, VS Code, Windsurf, Zed, or the files given), starts each stdio server in a bubblewrap sandbox or
// connects to its URL, lists what it offers, runs the metadata detectors and compares with the last scan's pins.
// Exit codes: 0 nothing reaches the threat threshold, 1 something does (so it can gate CI), 2 usage problems.
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../monitor/logger.ts';
import { sandboxAvailable } from '../sandbox/executables.ts';
import { assessServer, type MetadataAssessor, type ScanResult } from '../scan/assess.ts';
import {
  type ConfigFile,
  knownConfigFiles,
  readClientConfig,
  type ScanTarget,
} from '../scan/client-configs.ts';
import { inspectTarget } from '../scan/inspect.ts';
import { metadataAssessor } from '../scan/metadata-assessor.ts';
import { isThreat, renderJson, renderSarif, renderTable } from '../scan/report.ts';
import { nextScanPins, readScanPins, scanPinKey, writeScanPins } from '../scan/scan-pins.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';

/** What `--allow-network` opens: the npm registry, so that `npx -y pkg` can fetch the package it starts. */
const NPM_REGISTRY_HOSTS = ['registry.npmjs.org'];

export const SCAN_USAGE = `Usage: rampart scan [FILE...] [options]

  FILE...            client configuration files to scan (default: the known clients' files, found under
                     --home and the current directory)
  --json | --sarif   machine-readable output (SARIF 2.1.0 for code-scanning dashboards)
  --threshold X      score at which an item is a threat (default: the detectors' own)
  --timeout MS       how long one server may take to start and list (default 20000)
  --no-sandbox       start stdio servers without bubblewrap (they run with your privileges)
  --allow-network    let sandboxed stdio servers reach the npm registry over HTTPS (npx fetching a package)
  --allow-host HOST  let them reach HOST over HTTPS too (repeatable); always through Rampart's egress proxy
  --pins FILE        where the last scan's definitions are kept (default ~/.rampart/scan-pins.json)
  --no-pins          neither read nor write pins
  --accept-changes   record changed definitions as the new baseline
  --home DIR         the home directory whose client configurations are read (default: yours)
`;

export type ScanIo = CommandIo & { readonly assessor?: MetadataAssessor; readonly version?: string };

/** Runs `rampart scan`; resolves to the exit code. */
export async function scanCommand(args: string[], io: ScanIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('scan', SCAN_USAGE, io);
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help) {
    out(SCAN_USAGE);
    return 0;
  }
  if (values.json && values.sarif) return usage('give --json or --sarif, not both');
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
    return usage('--threshold must be in [0, 1]');
  const timeoutMs = Number(values.timeout ?? 20_000);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100)
    return usage('--timeout must be an integer of at least 100');
  const home = path.resolve(values.home ?? homedir());
  const assessor = io.assessor ?? metadataAssessor();
  const limit = threshold ?? assessor.threshold;

  const files: ConfigFile[] =
    positionals.length > 0
      ? positionals.map((file) => ({ client: 'file', file: path.resolve(file) }))
      : knownConfigFiles(home, process.cwd());
  const targets: ScanTarget[] = [];
  for (const file of files) {
    try {
      targets.push(...readClientConfig(file));
    } catch (e) {
      err(`rampart scan: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  if (targets.length === 0) {
    err(`rampart scan: no MCP servers found (${files.length} configuration files read)\n`);
  }

  const allowHosts = [
    ...(values['allow-network'] ? NPM_REGISTRY_HOSTS : []),
    ...(values['allow-host'] ?? []),
  ];
  const sandbox = values['no-sandbox'] ? (false as const) : { allowHosts };
  const canSandbox = sandboxAvailable();
  const log = createLogger('silent');
  const inspected = [];
  for (const target of targets) {
    if (target.kind === 'stdio' && sandbox && !canSandbox) {
      inspected.push({
        target,
        skipped: 'not started: bubblewrap (bwrap) is not installed; pass --no-sandbox to run it unconfined',
      });
      continue;
    }
    try {
      inspected.push({ target, lists: await inspectTarget(target, { sandbox, timeoutMs, log }) });
    } catch (e) {
      inspected.push({ target, error: e instanceof Error ? e.message : String(e) });
    }
  }
  const allTools = inspected.flatMap((i) =>
    'lists' in i && i.lists ? i.lists.tools.map((t) => String(t['name'])) : [],
  );
  const pinsFile = values.pins ? path.resolve(values.pins) : path.join(home, '.rampart', 'scan-pins.json');
  const previous = values['no-pins'] ? undefined : readScanPins(pinsFile);
  const results: ScanResult[] = inspected.map((i) => {
    if ('lists' in i && i.lists) {
      const key = scanPinKey({ target: i.target });
      return assessServer(i.target, i.lists, allTools, assessor, previous?.servers[key]);
    }
    const status = 'skipped' in i ? ('skipped' as const) : ('error' as const);
    return { target: i.target, status, error: 'skipped' in i ? i.skipped : i.error, items: [], pins: {} };
  });
  if (previous) writeScanPins(pinsFile, nextScanPins(previous, results, values['accept-changes']));

  if (values.json) out(renderJson(results, limit));
  else if (values.sarif) out(renderSarif(results, io.version ?? '0.1.0'));
  else out(renderTable(results, limit));
  return results.some((r) => r.items.some((item) => isThreat(item, limit))) ? 1 : 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      sarif: { type: 'boolean', default: false },
      threshold: { type: 'string' },
      timeout: { type: 'string' },
      'no-sandbox': { type: 'boolean', default: false },
      'allow-network': { type: 'boolean', default: false },
      'allow-host': { type: 'string', multiple: true },
      pins: { type: 'string' },
      'no-pins': { type: 'boolean', default: false },
      'accept-changes': { type: 'boolean', default: false },
      home: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
