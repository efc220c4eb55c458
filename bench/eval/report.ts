// The eval's readable tables.
import { table } from '../../src/cli/terminal-text.ts';
import type { TaskReport } from './evaluate.ts';
import type { Metrics } from './metrics.ts';

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '–');
const ci = ([lo, hi]: readonly [number, number]) => `[${pct(lo)}, ${pct(hi)}]`;

function metricRow(name: string, m: Metrics): string[] {
  return [
    name,
    String(m.n),
    `${m.tp}/${m.positives}`,
    `${m.fp}/${m.negatives}`,
    m.precision.toFixed(3),
    m.recall.toFixed(3),
    m.f1.toFixed(3),
    pct(m.fpr),
    ci(m.fprCi),
  ];
}

/** The tables of one task's report. */
export function renderReport(r: TaskReport): string {
  const lines: string[] = [`\n== ${r.task} (threshold ${r.threshold}) ==\n`];
  const header = ['set', 'n', 'TP/pos', 'FP/neg', 'precision', 'recall', 'F1', 'FPR', 'FPR 95% Wilson'];
  lines.push(
    table(header, [
      metricRow('all', r.overall),
      ...Object.entries(r.variants).map(([k, m]) => metricRow(k, m)),
    ]),
  );
  lines.push(
    `recall at FPR <= 1%: ${r.recallAtFpr1.recall.toFixed(3)} (threshold ${r.recallAtFpr1.threshold}); ` +
      `at FPR <= 2%: ${r.recallAtFpr2.recall.toFixed(3)} (threshold ${r.recallAtFpr2.threshold})\n`,
  );
  lines.push(
    `latency per item: p50 ${r.latencyUs.p50.toFixed(1)} µs, p95 ${r.latencyUs.p95.toFixed(1)} µs, max ${r.latencyUs.max.toFixed(0)} µs\n`,
  );
  if (r.responseSideFlagged) {
    lines.push(
      `response_side items flagged (should be 0): ${r.responseSideFlagged.flagged}/${r.responseSideFlagged.n}\n`,
    );
  }
  if (r.preferenceRecall !== undefined)
    lines.push(`preference-manipulation recall: ${r.preferenceRecall.toFixed(3)}\n`);
  const brk = (title: string, rows: TaskReport['byCategory']) =>
    `\n${title}\n${table(
      ['label key', 'n', 'flagged', 'rate'],
      rows.map((b) => [b.key.slice(0, 70), String(b.n), String(b.flagged), pct(b.flagged / b.n)]),
    )}`;
  lines.push(brk('by category (label 0: false-positive rate, label 1: recall)', r.byCategory));
  lines.push(brk('by source', r.bySource));
  lines.push(
    `\nmetamorphic robustness (malicious items re-encoded; base recall ${r.overall.recall.toFixed(3)})\n${table(
      ['transform', 'recall', 'recall drop (negative: the re-encoding itself is flagged)'],
      r.metamorphic.map((m) => [m.transform, m.recall.toFixed(3), m.drop.toFixed(3)]),
    )}`,
  );
  if (r.skipped.length) lines.push(`skipped: ${r.skipped.join('; ')}\n`);
  return lines.join('');
}
