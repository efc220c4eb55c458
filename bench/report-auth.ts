// The authentication cost section of the report (issue 3): how much proxy CPU per call turning on JWT
// verification, or DPoP, adds to Rampart. The baseline is the unauthenticated `rampart` row of the same run,
// and each delta is the median over reps of the difference within one (rep, c) cell, where the rows ran back
// to back, so slow drifts of the shared machine cancel out. The load generator's CPU delta is shown beside it:
// with DPoP that is where the proof signing lands, not in Rampart.
import { fmt, int, median, signed } from './stats.ts';
import type { BenchOutput, RunRecord } from './types.ts';

type Ok = RunRecord & Required<Pick<RunRecord, 'load' | 'sut'>>;
type Cell = (config: string, level: number) => Ok[];

export function authSection(out: BenchOutput, cell: Cell): string[] {
  const spec = out.auth;
  if (!spec) return [];
  const base = spec.baseline;
  const live = (n: string) => !!out.configs[n] && !out.configs[n]?.startError;
  const targets = spec.targets.filter((t) => live(t.config));
  if (!targets.length) return [];
  const lines: string[] = [''];
  const p = (s = '') => lines.push(s);
  if (!live(base)) {
    p(`Authentication targets: not evaluated, the baseline \`${base}\` was not measured in this run.`);
    return lines;
  }
  p(
    `Authentication cost, baseline \`${base}\` (the same Rampart without \`auth\`, in the same run): Δ = proxy ` +
      `CPU/call(config) − CPU/call(${base}), the median over reps of the difference within one (rep, c) cell. ` +
      'Δ loadgen is the same for the load generator, which signs the DPoP proofs.',
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
      if (Number.isFinite(delta)) {
        evaluated++;
        verdict = delta <= t.maxDeltaUs ? 'PASS' : 'FAIL';
        if (verdict === 'FAIL') failedAt.push(level);
      }
      p(
        `| ${t.config} | ${level} | ${int(median(pairs.map(([, b]) => b.sut.proxyUsPerCall)))} | ` +
          `${int(median(pairs.map(([r]) => r.sut.proxyUsPerCall)))} | ${signed(delta)} | ≤ ${t.maxDeltaUs} | ` +
          `${verdict} | ${signed(lgDelta)} | ${pairs.length} |`,
      );
    }
    verdicts.push(
      !evaluated
        ? `${t.config}: not evaluated (no paired runs)`
        : failedAt.length
          ? `${t.config}: FAIL (Δ > ${t.maxDeltaUs} µs/call at c=${failedAt.join(', ')})`
          : `${t.config}: PASS (Δ ≤ ${t.maxDeltaUs} µs/call at every c)`,
    );
  }
  p();
  p(
    `Verdicts: ${verdicts.join('; ')}. One /proc tick (10 ms) is ${fmt(10_000 / out.options.calls, 1)} µs/call ` +
      `at ${out.options.calls} calls per run.`,
  );
  return lines;
}
