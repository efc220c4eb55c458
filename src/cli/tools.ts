// `rampart tools pending|diff|approve|reject|pins`: the definitions the integrity quarantine holds back, and the
// decisions on them. Decisions go straight into rampart.db; a running gateway applies them on its next poll
// (`integrity.pollMs`) and writes them to its audit log with the approver and the reason. Like `rampart approvals`,
// the CLI cannot prove who runs it: anyone with write access to the state directory decides, recorded as
// `--approver` or `cli:<os user>`. Exit codes: 0 done, 1 unknown or already decided, 2 usage problems.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { demoConfig } from '../config/demo.ts';
import { loadConfigFile } from '../config/load.ts';
import type { RampartConfig } from '../config/schema.ts';
import { type ChangeRisk, changeRisk } from '../detect/change/risk.ts';
import { fieldDiff, renderFieldDiff } from '../integrity/field-diff.ts';
import { type PinChange, PinStore } from '../integrity/pin-store.ts';
import { type CommandIo, commandIo, parseOrUsage } from './command-io.ts';
import { duration, osUser, printable, table } from './terminal-text.ts';

export const TOOLS_USAGE = `Usage: rampart tools <pending|diff|approve|reject|pins> [options]

  pending [--server NAME] [--all] [--json]
                     definitions held for review (--all: every change and its decision)
  diff ID [--json]   the per-field diff of one change
  approve (ID... | --all [--server NAME]) --reason TEXT [--approver NAME]
  reject ID... --reason TEXT [--approver NAME]
                     decide changes; the approver defaults to cli:<your user name>
  pins [--server NAME] [--json]
                     the approved definitions and who approved them

Every subcommand takes --config FILE; without it the embedded demo's state directory (./.rampart) is used.
`;

export type ToolsIo = CommandIo;

/** Runs `rampart tools` with its arguments; resolves to the exit code. */
export async function toolsCommand(args: string[], io: ToolsIo = {}): Promise<number> {
  const { out, err, usage } = commandIo('tools', TOOLS_USAGE, io);
  const now = (io.now ?? Date.now)();
  const parsed = parseOrUsage(() => parse(args), usage);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  if (values.help) {
    out(TOOLS_USAGE);
    return 0;
  }
  const [sub, ...ids] = positionals;
  if (sub === undefined) return usage('give a subcommand: pending, diff, approve, reject or pins');
  if (!['pending', 'diff', 'approve', 'reject', 'pins'].includes(sub))
    return usage(`unknown subcommand "${sub}"`);
  const deciding = sub === 'approve' || sub === 'reject';
  if (deciding) {
    if (!values.reason?.trim()) return usage(`${sub} needs --reason (it is audited)`);
    if (ids.length === 0 && !(sub === 'approve' && values.all)) return usage(`${sub} needs change IDs`);
    if (ids.length > 0 && values.all) return usage('give change IDs or --all, not both');
  } else if (sub === 'diff' ? ids.length !== 1 : ids.length > 0) {
    return usage(sub === 'diff' ? 'diff needs exactly one change ID' : `unexpected argument "${ids[0]}"`);
  }

  const config = values.config ? loadConfigFile(values.config) : demoConfig(path.resolve('.rampart'));
  if (!existsSync(path.join(config.stateDir, 'rampart.db'))) {
    err(`rampart tools: no state database in ${config.stateDir} (no server was ever checked)\n`);
    return sub === 'pending' || sub === 'pins' ? 0 : 1;
  }
  const store = PinStore.open(config.stateDir);
  try {
    switch (sub) {
      case 'pending':
        return pending(store, values, out);
      case 'pins':
        return pins(store, values, now, out);
      case 'diff':
        return diff(store, ids[0] as string, values.json, out, err);
      default: {
        const by = values.approver?.trim() || `cli:${osUser()}`;
        const targets = values.all ? store.changes('pending', values.server).map((c) => c.id) : ids;
        return decide(
          store,
          sub as 'approve' | 'reject',
          targets,
          by,
          values.reason as string,
          config,
          now,
          out,
          err,
        );
      }
    }
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
      server: { type: 'string' },
      json: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      reason: { type: 'string' },
      approver: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

function pending(store: PinStore, values: Values, out: (text: string) => void): number {
  // Riskiest first, so the change most likely to be a rug pull is reviewed first (stable for equal scores).
  const changes = store
    .changes(values.all ? 'all' : 'pending', values.server)
    .map((c) => ({ c, risk: changeRisk(c) }))
    .sort((a, b) => (b.risk?.score ?? 0) - (a.risk?.score ?? 0))
    .map(({ c }) => c);
  if (values.json) {
    for (const c of changes) out(`${JSON.stringify(changeView(c))}\n`);
    return 0;
  }
  if (changes.length === 0) {
    out(values.all ? 'no changes\n' : 'no definitions await review\n');
    return 0;
  }
  const rows = changes.map((c) => [
    c.id,
    c.server,
    c.kind,
    c.key || '-',
    c.renamedFrom ? `renamed from ${c.renamedFrom}` : c.change,
    ...(values.all ? [c.status, c.decidedBy ?? '-'] : []),
    `${c.approvals.length}`,
    riskCell(changeRisk(c)),
    summary(c),
  ]);
  const header = [
    'ID',
    'SERVER',
    'KIND',
    'NAME',
    'CHANGE',
    ...(values.all ? ['STATUS', 'BY'] : []),
    'APPROVALS',
    'RISK',
    'FIELDS',
  ];
  out(table(header, rows));
  return 0;
}

function pins(store: PinStore, values: Values, now: number, out: (text: string) => void): number {
  const all = store.pins(values.server);
  if (values.json) {
    for (const p of all) {
      const { definition: _definition, ...rest } = p;
      out(`${JSON.stringify({ ...rest, approvedAt: new Date(p.approvedAt).toISOString() })}\n`);
    }
    return 0;
  }
  if (all.length === 0) {
    out('no approved definitions\n');
    return 0;
  }
  const rows = all.map((p) => [
    p.server,
    p.kind,
    p.key || '-',
    p.sha256.slice(0, 16),
    duration(now - p.approvedAt),
    p.approvedBy,
  ]);
  out(table(['SERVER', 'KIND', 'NAME', 'SHA256', 'AGE', 'APPROVED BY'], rows));
  return 0;
}

function diff(
  store: PinStore,
  id: string,
  json: boolean,
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const change = store.change(id);
  if (!change) {
    err(`rampart tools: no change ${printable(id)}\n`);
    return 1;
  }
  const fields = fieldDiff(change.oldDefinition, change.newDefinition);
  if (json) {
    out(`${JSON.stringify({ ...changeView(change), fields })}\n`);
    return 0;
  }
  const head = [
    `change ${change.id}: ${change.server} ${change.kind} ${change.key || '(server)'} ${change.change}` +
      (change.renamedFrom ? ` (renamed from ${change.renamedFrom})` : ''),
    `status ${change.status}${change.decidedBy ? ` by ${change.decidedBy}` : ''}; first seen ${new Date(change.firstSeen).toISOString()}`,
    `sha256 ${change.oldSha256 ?? '-'} -> ${change.newSha256 ?? '-'}`,
    ...riskLines(changeRisk(change)),
    '',
  ];
  out(`${[...head, ...renderFieldDiff(fields)].map((line) => printable(line)).join('\n')}\n`);
  return 0;
}

function decide(
  store: PinStore,
  action: 'approve' | 'reject',
  ids: readonly string[],
  by: string,
  reason: string,
  config: RampartConfig,
  now: number,
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  if (ids.length === 0) {
    out('no definitions await review\n');
    return 0;
  }
  // Under the two-person rule a change needs a second, different approver (as on the admin API).
  const required = config.changeControl.twoPersonRule ? 2 : 1;
  let failed = 0;
  for (const id of ids) {
    const decision = { by, at: now, reason };
    const result = action === 'approve' ? store.approve(id, decision, required) : store.reject(id, decision);
    if (result.ok) {
      const c = result.change;
      const state =
        c.status === 'pending' ? `approval ${c.approvals.length} of ${required} recorded` : `${c.status}`;
      out(`${id}: ${state} (${c.server} ${c.kind} ${printable(c.key || '(server)')}) as ${printable(by)}\n`);
    } else {
      failed++;
      const why =
        result.reason === 'not_found'
          ? 'no such change'
          : result.reason === 'decided'
            ? 'already decided'
            : 'you already approved it; another approver must';
      err(`rampart tools: ${printable(id)}: ${why}\n`);
    }
  }
  return failed > 0 ? 1 : 0;
}

function summary(change: PinChange): string {
  const fields = fieldDiff(change.oldDefinition, change.newDefinition);
  if (change.change !== 'changed') return change.change === 'added' ? 'new' : 'removed';
  return fields.map((f) => f.path).join(', ');
}

/** `0.93 change.credential` (score and strongest rule), or `-` when nothing is scored (removals, identity). */
function riskCell(risk: ChangeRisk | undefined): string {
  if (!risk) return '-';
  return risk.rules[0] ? `${risk.score.toFixed(2)} ${risk.rules[0].rule}` : risk.score.toFixed(2);
}

function riskLines(risk: ChangeRisk | undefined): string[] {
  if (!risk) return [];
  return [
    `risk ${risk.score.toFixed(2)}`,
    ...risk.rules.map((r) => `  ${r.severity} ${r.rule}: ${r.evidence}`),
  ];
}

function changeView(c: PinChange): Record<string, unknown> {
  return {
    id: c.id,
    server: c.server,
    kind: c.kind,
    name: c.key,
    change: c.change,
    renamedFrom: c.renamedFrom ?? null,
    status: c.status,
    oldSha256: c.oldSha256 ?? null,
    newSha256: c.newSha256 ?? null,
    firstSeen: new Date(c.firstSeen).toISOString(),
    lastSeen: new Date(c.lastSeen).toISOString(),
    approvals: c.approvals.map((a) => ({ by: a.by, at: new Date(a.at).toISOString(), reason: a.reason })),
    decidedBy: c.decidedBy ?? null,
    reason: c.reason ?? null,
    risk: changeRisk(c) ?? null,
  };
}
