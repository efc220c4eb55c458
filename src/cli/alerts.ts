// `rampart alerts`: the anomaly alerts recorded in the audit log of the config's state directory (each alert is
// an `alert_raised` event), newest first, as a table or as JSON lines. Exit codes: 0 listed (possibly nothing),
// 2 usage problems.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseLeaf } from '../audit/chain.ts';
import { openAuditStore } from '../audit/open.ts';
import { AUDIT_DB_FILE } from '../audit/sqlite-schema.ts';
import { ALERT_SEVERITIES, type AlertSeverity } from '../config/alerts-schema.ts';
import { loadConfigFile } from '../config/load.ts';
import { severityAtLeast } from '../monitor/anomaly/alert.ts';
import { table } from './terminal-text.ts';

export const ALERTS_USAGE = `Usage: rampart alerts [--config FILE] [options]

  --since T        only alerts at or after T: an ISO 8601 time, or a duration back from now (90s, 30m, 24h, 7d)
  --severity S     only alerts of severity S or higher (low, medium, high, critical)
  --rule R         only alerts of rule R (e.g. anomaly.rate); repeat or separate with commas for several
  --limit N        at most N alerts, the newest (default 50)
  --json           one JSON object per line instead of a table
`;

/** One listed alert: the audit event's attribution plus the alert it records. */
export interface ListedAlert {
  /** The audit event's id (what `rampart audit proof` takes). */
  readonly eventId: string;
  readonly time: string;
  readonly alertId: string | null;
  readonly rule: string;
  readonly severity: string;
  readonly issuer: string | null;
  readonly subject: string | null;
  readonly agent: string | null;
  readonly session: string | null;
  readonly server: string | null;
  readonly name: string | null;
  readonly message: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly dedupKey: string | null;
  readonly suppressed: number;
}

export interface AlertsIo {
  /** Wall clock in ms, for `--since DURATION`. */
  readonly now?: () => number;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
}

interface Filters {
  readonly sinceMs: number | undefined;
  readonly severity: AlertSeverity | undefined;
  readonly rules: ReadonlySet<string> | undefined;
  readonly limit: number;
}

const DEFAULT_LIMIT = 50;
// Canonical event JSON (RFC 8785, no whitespace) spells the decision exactly so: a cheap pre-filter that spares
// parsing every other event of a large log.
const ALERT_MARK = '"decision":"alert_raised"';
const UNITS_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Runs `rampart alerts` with its arguments; resolves to the exit code. */
export async function alertsCommand(args: string[], io: AlertsIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => process.stdout.write(text));
  const err = io.err ?? ((text: string) => process.stderr.write(text));
  const usage = (message: string) => {
    err(`rampart alerts: ${message}\n${ALERTS_USAGE}`);
    return 2;
  };
  let values: ReturnType<typeof parse>['values'];
  try {
    const parsed = parse(args);
    if (parsed.positionals.length > 0) return usage(`unexpected argument "${parsed.positionals[0]}"`);
    values = parsed.values;
  } catch (e) {
    return usage(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    out(ALERTS_USAGE);
    return 0;
  }
  const filters = parseFilters(values, (io.now ?? Date.now)());
  if (typeof filters === 'string') return usage(filters);

  const stateDir = values.config ? loadConfigFile(values.config).stateDir : path.resolve('.rampart');
  if (!existsSync(path.join(stateDir, AUDIT_DB_FILE))) {
    err(`rampart alerts: no audit log in ${stateDir} (no alerts recorded)\n`);
    if (!values.json) out('no alerts\n');
    return 0;
  }
  const alerts = await readAlerts(stateDir, filters);
  if (values.json) {
    for (const alert of alerts) out(`${JSON.stringify(alert)}\n`);
  } else {
    out(alerts.length === 0 ? 'no alerts\n' : alertsTable(alerts));
  }
  return 0;
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      since: { type: 'string' },
      severity: { type: 'string' },
      rule: { type: 'string', multiple: true },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** The filters, or the usage problem with them. */
function parseFilters(values: ReturnType<typeof parse>['values'], nowMs: number): Filters | string {
  let sinceMs: number | undefined;
  if (values.since !== undefined) {
    sinceMs = parseSince(values.since, nowMs);
    if (sinceMs === undefined)
      return `--since: "${values.since}" is neither an ISO time nor a duration like 24h`;
  }
  const severity = values.severity;
  if (severity !== undefined && !(ALERT_SEVERITIES as readonly string[]).includes(severity)) {
    return `--severity must be one of ${ALERT_SEVERITIES.join(', ')}`;
  }
  let limit = DEFAULT_LIMIT;
  if (values.limit !== undefined) {
    if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) return '--limit must be a positive integer';
    limit = Number(values.limit);
  }
  const rules = values.rule?.flatMap((r) => r.split(',')).filter((r) => r !== '');
  return {
    sinceMs,
    severity: severity as AlertSeverity | undefined,
    rules: rules && rules.length > 0 ? new Set(rules) : undefined,
    limit,
  };
}

function parseSince(text: string, nowMs: number): number | undefined {
  const duration = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text);
  if (duration) return nowMs - Number(duration[1]) * UNITS_MS[duration[2]!]!;
  // Only full ISO dates or date-times: Date.parse accepts odd forms that would silently mean something else.
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The newest `limit` alerts that pass the filters, newest first; memory stays within `limit`. */
async function readAlerts(stateDir: string, filters: Filters): Promise<ListedAlert[]> {
  const store = openAuditStore(stateDir);
  try {
    return await store.read(async (reader) => {
      const kept: ListedAlert[] = [];
      for await (const entry of reader.entries()) {
        if (!entry.leaf.includes(ALERT_MARK)) continue;
        const event = parseLeaf(entry.leaf)?.event;
        if (event?.['decision'] !== 'alert_raised') continue;
        const alert = listed(event);
        if (!passes(alert, filters)) continue;
        kept.push(alert);
        // Entries come oldest first: keep (amortised) only a tail of the newest.
        if (kept.length >= 2 * filters.limit) kept.splice(0, kept.length - filters.limit);
      }
      // Storage order is append order; sort by time too, for events appended with a clock that stepped back.
      return kept
        .slice(-filters.limit)
        .reverse()
        .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
    });
  } finally {
    await store.close();
  }
}

function passes(alert: ListedAlert, filters: Filters): boolean {
  if (filters.sinceMs !== undefined && !(Date.parse(alert.time) >= filters.sinceMs)) return false;
  if (filters.rules && !filters.rules.has(alert.rule)) return false;
  if (filters.severity) {
    const known = (ALERT_SEVERITIES as readonly string[]).includes(alert.severity);
    if (!known || !severityAtLeast(alert.severity as AlertSeverity, filters.severity)) return false;
  }
  return true;
}

function listed(event: Record<string, unknown>): ListedAlert {
  const detail = record(event['detail']);
  const principal = record(event['principal']);
  const ruleIds = Array.isArray(event['ruleIds']) ? event['ruleIds'] : [];
  return {
    eventId: text(event['id']) ?? '',
    time: text(event['time']) ?? '',
    alertId: text(detail['alertId']),
    rule: text(detail['rule']) ?? text(ruleIds[0]) ?? '',
    severity: text(detail['severity']) ?? '',
    issuer: text(principal['issuer']),
    subject: text(principal['subject']),
    agent: text(principal['agent']) ?? text(detail['agent']),
    session: text(event['session']),
    server: text(event['server']),
    name: text(event['name']),
    message: text(detail['message']) ?? '',
    evidence: record(detail['evidence']),
    dedupKey: text(detail['dedupKey']),
    suppressed: typeof detail['suppressed'] === 'number' ? detail['suppressed'] : 0,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function alertsTable(alerts: readonly ListedAlert[]): string {
  const rows = alerts.map((a) => [
    a.time.replace(/\.\d{3}Z$/, 'Z'),
    a.severity,
    a.rule,
    a.subject ?? 'anonymous',
    a.agent ?? '-',
    [a.server, a.name].filter((part) => part !== null).join(' ') || '-',
    a.suppressed > 0 ? `${a.message} (+${a.suppressed} suppressed)` : a.message,
  ]);
  const header = ['TIME', 'SEVERITY', 'RULE', 'PRINCIPAL', 'AGENT', 'TARGET', 'MESSAGE'];
  return table(header, rows);
}
