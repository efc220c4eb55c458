// A review report and the stored history as text for a terminal. Names in findings come from config files,
// upstreams and operators: control characters are replaced so nothing can drive the terminal.
import { FINDING_KINDS, type FindingKind, type ReviewReport } from './report.ts';
import type { StoredReviewSummary } from './review-store.ts';

const HEADINGS: Readonly<Record<FindingKind, string>> = {
  'grant.unused': 'Unused grants',
  'tool.never_called': 'Tools never called',
  'tool.unused': 'Tools not called recently',
  'approval.stale': 'Old approvals',
  'server.unsigned': 'Servers without a signed manifest',
  'server.unsandboxed': 'Stdio servers without a sandbox',
};

/** The report as readable text. */
export function renderReport(report: ReviewReport): string {
  const lines = [
    `Permission review ${report.id} at ${short(report.time)} (${report.source})`,
    `  period ${short(report.period.from)} .. ${short(report.period.to)}: unused after ${report.options.unusedDays} days, approvals older than ${report.options.approvalAgeDays} days`,
    `  reviewed ${report.summary.policies} policies, ${report.summary.pins} approved pins, ${report.summary.servers} servers, ${report.summary.events} audit events`,
    '',
  ];
  if (report.findings.length === 0) lines.push('No findings.');
  else lines.push(`${report.findings.length} finding${report.findings.length === 1 ? '' : 's'}:`);
  for (const kind of FINDING_KINDS) {
    const ofKind = report.findings.filter((f) => f.kind === kind);
    if (ofKind.length === 0) continue;
    lines.push('', `${HEADINGS[kind]} [${kind}]: ${ofKind.length}`);
    for (const finding of ofKind) lines.push(`  - ${printable(finding.message)}`);
    lines.push(`    => ${ofKind[0]!.recommendation}`);
  }
  if (report.patch !== null) {
    lines.push(
      '',
      'A patch removing the unused grants is part of the report (`--patch FILE` writes it; `--json` shows it).',
    );
  }
  if (report.notes.length > 0) lines.push('', 'Notes:', ...report.notes.map((n) => `  - ${printable(n)}`));
  return `${lines.join('\n')}\n`;
}

/** The stored reports as a table, newest first. */
export function renderHistory(reports: readonly StoredReviewSummary[]): string {
  if (reports.length === 0) return 'no stored reviews\n';
  const header = ['ID', 'TIME', 'SOURCE', 'DAYS', 'FINDINGS', 'BY KIND'];
  const rows = reports.map((r) => [
    r.id,
    short(new Date(r.time).toISOString()),
    r.source,
    `${r.options.unusedDays}/${r.options.approvalAgeDays}`,
    String(r.summary.findings),
    FINDING_KINDS.filter((k) => (r.summary.byKind[k] ?? 0) > 0)
      .map((k) => `${k}=${r.summary.byKind[k]}`)
      .join(' ') || '-',
  ]);
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return `${all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

function short(iso: string): string {
  return iso.replace(/\.\d{3}Z$/, 'Z');
}

function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, '?');
}
