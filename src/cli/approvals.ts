// `rampart approvals list|approve|deny`: the calls held for human approval in the config's state directory.
// The CLI writes decisions straight into rampart.db; the gateway holding the call sees them on its next poll.
// It cannot prove who runs it, so anyone with write access to the state directory can decide (the recorded
// approver is `cli:<os user>` or --approver): it is meant for the operators of the host. Approvals whose policy
// asks for a different approver than the caller (four eyes) are enforced only on the admin API, where the
// approver is authenticated. Exit codes: 0 done, 1 unknown, already decided or expired, 2 usage problems.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig } from '../config/demo.ts';
import { loadConfigFile } from '../config/load.ts';
import {
  APPROVALS_DB_FILE,
  type ApprovalRecord,
  ApprovalStore,
  effectiveStatus,
} from '../policy/approvals/approval-store.ts';
import { approvalView } from '../policy/approvals/approval-view.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';
import { duration, osUser, printable, table } from './terminal-text.ts';

export const APPROVALS_USAGE = `Usage: rampart approvals <list|approve|deny> [options]

  list [--config FILE] [--json] [--all]
                     the calls waiting for approval (--all: every request and its decision, newest first)
  approve ID [--config FILE] [--reason TEXT] [--approver NAME]
  deny ID [--config FILE] [--reason TEXT] [--approver NAME]
                     decide a held call; the approver defaults to cli:<your user name>

Without --config, the embedded demo's state directory (./.rampart) is used.
`;

const MAX_REASON_LENGTH = 2000;
const HISTORY_LIMIT = 100;

export type ApprovalsIo = CommandIo;

/** Runs `rampart approvals` with its arguments; resolves to the exit code. */
export async function approvalsCommand(args: string[], io: ApprovalsIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('approvals', APPROVALS_USAGE, io);
  const now = (io.now ?? Date.now)();
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help) {
    out(APPROVALS_USAGE);
    return 0;
  }
  const [sub, id, extra] = positionals;
  if (sub === undefined) return usage('give a subcommand: list, approve or deny');
  if (sub !== 'list' && sub !== 'approve' && sub !== 'deny') return usage(`unknown subcommand "${sub}"`);
  if (sub === 'list') {
    if (id !== undefined) return usage(`unexpected argument "${id}"`);
    if (values.reason !== undefined || values.approver !== undefined) {
      return usage('--reason and --approver belong to approve and deny');
    }
  } else {
    if (id === undefined) return usage(`${sub} needs the approval ID`);
    if (extra !== undefined) return usage(`unexpected argument "${extra}"`);
    if (values.json || values.all) return usage('--json and --all belong to list');
    if (values.reason !== undefined && values.reason.length > MAX_REASON_LENGTH) {
      return usage(`--reason is longer than ${MAX_REASON_LENGTH} characters`);
    }
    if (values.approver !== undefined && values.approver.trim() === '') return usage('--approver is empty');
  }

  const stateDir = values.config
    ? loadConfigFile(values.config).stateDir
    : demoConfig(path.resolve('.rampart')).stateDir;
  if (!existsSync(path.join(stateDir, APPROVALS_DB_FILE))) {
    if (sub === 'list') {
      err(`rampart approvals: no state database in ${stateDir} (nothing was held for approval)\n`);
      if (!values.json) out('no pending approvals\n');
      return 0;
    }
    err(`rampart approvals: no approval ${printable(id!)} (no state database in ${stateDir})\n`);
    return 1;
  }
  const store = new ApprovalStore(stateDir);
  try {
    if (sub === 'list') {
      const records = store.list({ all: values.all, limit: values.all ? HISTORY_LIMIT : undefined }, now);
      if (values.json) {
        for (const record of records) out(`${JSON.stringify(approvalView(record, now))}\n`);
      } else if (records.length === 0) {
        out(values.all ? 'no approvals\n' : 'no pending approvals\n');
      } else {
        out(approvalsTable(records, now, values.all));
      }
      return 0;
    }
    const approved = sub === 'approve';
    const approver = values.approver ?? `cli:${osUser()}`;
    const won = store.decide(
      id!,
      { approved, approver, reason: values.reason === '' ? undefined : values.reason, channel: 'cli' },
      now,
    );
    if (won) {
      out(`${approved ? 'approved' : 'denied'} ${id} as ${approver}\n`);
      return 0;
    }
    const record = store.get(id!);
    if (!record) err(`rampart approvals: no approval ${printable(id!)}\n`);
    else {
      const status = effectiveStatus(record, now);
      err(
        status === 'expired'
          ? `rampart approvals: ${printable(id!)} has expired; the call was not made\n`
          : `rampart approvals: ${printable(id!)} is no longer pending (${status}${record.approver ? ` by ${printable(record.approver)}` : ''})\n`,
      );
    }
    return 1;
  } finally {
    store.close();
  }
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      reason: { type: 'string' },
      approver: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

function approvalsTable(records: readonly ApprovalRecord[], now: number, all: boolean): string {
  const header = [
    'ID',
    ...(all ? ['STATUS', 'APPROVER'] : []),
    'AGE',
    'EXPIRES IN',
    'REQUESTER',
    'TOOL',
    'ARGS SHA256',
    'REASON',
  ];
  const rows = records.map((r) => {
    const status = effectiveStatus(r, now);
    return [
      r.id,
      ...(all ? [status, r.approver ?? '-'] : []),
      duration(now - r.createdAt),
      status === 'pending' ? duration(r.expiresAt - now) : '-',
      requester(r),
      r.name,
      r.argumentsSha256.slice(0, 12),
      r.reason,
    ];
  });
  return table(header, rows);
}

function requester(record: ApprovalRecord): string {
  const who = record.requester;
  if (!who) return 'anonymous';
  const agent = who.agent ?? who.clientId;
  return agent && agent !== who.subject ? `${who.subject} (${agent})` : who.subject;
}
