// The cost sections of the report: how much proxy CPU per call a feature adds to Rampart, against a baseline row
// of the same run without it: JWT verification or DPoP against unauthenticated Rampart (issue 3), the audit log
// in digest mode against Rampart without it (issue 4). Each delta is the median over reps of the difference
// within one (rep, c) cell, where the rows ran back to back, so slow drifts of the shared machine cancel out.
// The load generator's CPU delta is shown beside it: with DPoP that is where the proof signing lands.
import { fmt, int, median, signed } from './stats.ts';
import type { BenchOutput, DeltaSpec, RunRecord } from './types.ts';

type Ok = RunRecord & Required<Pick<RunRecord, 'load' | 'sut'>>;
type Cell = (config: string, level: number) => Ok[];

/** The delta specs of a run; older runs recorded only the authentication one, as `auth`. */
export function deltaSpecs(out: BenchOutput): DeltaSpec[] {
  if (out.deltas) return out.deltas;
  if (!out.auth) return [];
  return [
    {
      title: 'Authentication',
      baselineWhat: 'the same Rampart without `auth`',
      ...out.auth,
    },
  ];
}

export function deltaSection(out: BenchOutput, cell: Cell, spec: DeltaSpec): string[] {
  const base = spec.baseline;
  const live = (n: string) => !!out.configs[n] && !out.configs[n]?.startError;
  const targets = spec.targets.filter((t) => live(t.config));
  if (!targets.length) return [];
  const lines: string[] = [''];
  const p = (s = '') => lines.push(s);
  if (!live(base)) {
    p(`${spec.title} targets: not evaluated, the baseline \`${base}\` was not measured in this run.`);
    return lines;
  }
  p(
    `${spec.title} cost, baseline \`${base}\` (${spec.baselineWhat}, in the same run): Δ = proxy ` +
      `CPU/call(config) − CPU/call(${base}), the median over reps of the difference within one (rep, c) cell. ` +
      'Δ loadgen is the same for the load generator (which signs DPoP proofs).',
  );
  p();
  p(
    `| config | c | ${base} µs/call | config µs/call | Δ proxy µs/call | target | verdict | Δ loadgen µs/call | pairs |`,
  );
  p('|---|---:|---:|---:|---:|---:|---|---:|---:|');
  const verdicts: string[] = [];
  for (const t of targets) {
    const failedAt: number[] = [];
    let evaluated = 0;
    for (const level of out.options.levels) {
      const pairs = cell(t.config, level).flatMap((r) => {
        const b = cell(base, level).find((x) => x.rep === r.rep);
        return b && r.sut.proxyUsPerCall !== null && b.sut.proxyUsPerCall !== null ? [[r, b] as const] : [];
      });
      const delta = median(pairs.map(([r, b]) => (r.sut.proxyUsPerCall ?? 0) - (b.sut.proxyUsPerCall ?? 0)));
      const lgDelta = median(pairs.map(([r, b]) => r.sut.loadgenUsPerCall - b.sut.loadgenUsPerCall));
      let verdict = '–';
      const judged = t.level === undefined || t.level === level;
      if (judged && Number.isFinite(delta)) {
        evaluated++;
        verdict = delta <= t.maxDeltaUs ? 'PASS' : 'FAIL';
        if (verdict === 'FAIL') failedAt.push(level);
      }
      p(
        `| ${t.config} | ${level} | ${int(median(pairs.map(([, b]) => b.sut.proxyUsPerCall)))} | ` +
          `${int(median(pairs.map(([r]) => r.sut.proxyUsPerCall)))} | ${signed(delta)} | ${judged ? `≤ ${t.maxDeltaUs}` : '–'} | ` +
          `${verdict} | ${signed(lgDelta)} | ${pairs.length} |`,
      );
    }
    verdicts.push(
      !evaluated
        ? `${t.config}: not evaluated (no paired runs)`
        : failedAt.length
          ? `${t.config}: FAIL (Δ > ${t.maxDeltaUs} µs/call at c=${failedAt.join(', ')})`
          : `${t.config}: PASS (Δ ≤ ${t.maxDeltaUs} µs/call ${t.level === undefined ? 'at every c' : `at c=${t.level}`})`,
    );
  }
  p();
  p(
    `Verdicts: ${verdicts.join('; ')}. One /proc tick (10 ms) is ${fmt(10_000 / out.options.calls, 1)} µs/call ` +
      `at ${out.options.calls} calls per run.`,
  );
  return lines;
}
