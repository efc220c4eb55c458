// Turns a bench result (raw JSON) into the markdown tables: medians over reps per (config, c), the ratios
// the performance targets are stated in against the baseline measured in the same run, and the
// cost of features (authentication, audit) against Rampart without them (report-deltas.ts).
//
//   node bench/report.ts bench/results/raw/<file>.json
import { readFileSync } from 'node:fs';
import { deltaSection, deltaSpecs } from './report-deltas.ts';
import { fmt, int, median } from './stats.ts';
import type { BenchOutput, RunRecord } from './types.ts';

/** Targets from the issue: proxy CPU per call ≤ 0.5 × mcp-proxy's; calls/s at c=64 ≥ 1.5 × mcp-proxy's. */
export const TARGET_CPU_RATIO = 0.5;
export const TARGET_TPUT_RATIO = 1.5;
export const TARGET_TPUT_LEVEL = 64;

/** The informative line of a start error (a Node stack trace starts with the throwing source line). */
export function headline(error: string): string {
  const lines = error.split('\n').map((l) => l.trim());
  return (lines.find((l) => /^\w*Error\b|^Error:/.test(l)) ?? lines[0] ?? '').slice(0, 200);
}

type Ok = RunRecord & Required<Pick<RunRecord, 'load' | 'sut'>>;

export function summarize(out: BenchOutput): string {
  const ok = out.runs.filter((r): r is Ok => !r.error && !!r.load && !!r.sut);
  const failed = out.runs.filter((r) => r.error);
  const names = Object.keys(out.configs);
  const levels = out.options.levels;
  const cell = (config: string, level: number) => ok.filter((r) => r.config === config && r.level === level);
  const lines: string[] = [];
  const p = (s = '') => lines.push(s);

  const v = out.versions;
  p(
    `Run ${out.startedAt.slice(0, 16).replace('T', ' ')} UTC, Node ${out.node}, mcp-proxy ${v['mcp-proxy'] ?? '?'}, ` +
      `${out.cpus} CPUs, ${out.pinned ? 'SUT pinned to CPU 1, load generator to CPU 0' : 'unpinned'}; ` +
      `${out.options.reps} reps × ${out.options.calls} calls per cell (or ${out.options.maxSeconds} s); medians over reps.`,
  );
  p();
  p(
    '| config | c | calls/s | p50 ms | p99 ms | proxy CPU µs/call | proxy RSS MB | upstream CPU µs/call | runs | foreign CPU % |',
  );
  p('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const level of levels) {
    for (const name of names) {
      const info = out.configs[name];
      if (info?.startError) continue;
      const rs = cell(name, level);
      if (!rs.length) {
        p(`| ${name} | ${level} | – | – | – | – | – | – | 0 | – |`);
        continue;
      }
      const m = (f: (r: Ok) => number | null | undefined) => median(rs.map(f));
      const errors = rs.reduce((s, r) => s + r.load.errors, 0);
      const note =
        (errors ? ` errors: ${errors}` : '') + (rs.some((r) => r.load.timedOut) ? ' (time cap hit)' : '');
      p(
        `| ${name} | ${level} | ${int(m((r) => r.load.throughput))} | ${fmt(m((r) => r.load.p50))} | ${fmt(m((r) => r.load.p99))} | ` +
          `${info?.hasProxy ? int(m((r) => r.sut.proxyUsPerCall)) : '–'} | ` +
          `${info?.hasProxy ? fmt(m((r) => r.sut.proxyRssMaxKb) / 1024, 0) : '–'} | ` +
          `${int(m((r) => r.sut.upstreamUsPerCall))} | ${rs.length} | ${int(m((r) => r.foreignCpuPct))} |${note}`,
      );
    }
  }
  for (const name of names) {
    const e = out.configs[name]?.startError;
    if (e) {
      p();
      p(`${name}: not measured, it did not start: ${headline(e)}`);
    }
  }

  const memory = names.flatMap((n) => {
    const idle = out.configs[n]?.idle;
    if (!idle?.proxyRssKbFresh) return [];
    const after = idle.proxyRssKbAfterLoad ? fmt(idle.proxyRssKbAfterLoad / 1024, 0) : '–';
    return [`${n} ${fmt(idle.proxyRssKbFresh / 1024, 0)} → ${after} MB`];
  });
  if (memory.length) {
    p();
    p(`Proxy RSS idle right after start → idle after all load: ${memory.join('; ')}.`);
  }

  const base = out.baseline;
  const compared = names.filter((n) => n !== base && out.configs[n]?.hasProxy && !out.configs[n]?.startError);
  // The ratio targets are about Rampart's defaults; the authenticated rows have their own targets (below), so
  // their ratios are shown for information, unmarked.
  const ownTargets = new Set(out.unmarkedInRatios ?? out.auth?.targets.map((t) => t.config) ?? []);
  if (out.configs[base] && !out.configs[base]?.startError && compared.length) {
    p();
    p(
      `Ratios against ${base}, each the median over reps of the ratio within one (rep, c) cell (the configs of a cell run back to back)` +
        (compared.some((n) => ownTargets.has(n)) ? `; ${[...ownTargets].join(', ')} unmarked:` : ':'),
    );
    p();
    p(
      `| config | c | proxy CPU/call ÷ ${base} (target ≤ ${TARGET_CPU_RATIO}) | calls/s ÷ ${base} (target ≥ ${TARGET_TPUT_RATIO} at c=${TARGET_TPUT_LEVEL}) |`,
    );
    p('|---|---:|---:|---:|');
    for (const name of compared) {
      for (const level of levels) {
        const pairs = cell(name, level).flatMap((r) => {
          const b = cell(base, level).find((x) => x.rep === r.rep);
          return b ? [[r, b] as const] : [];
        });
        const cpu = median(
          pairs.map(([r, b]) => (r.sut.proxyUsPerCall ?? Number.NaN) / (b.sut.proxyUsPerCall ?? Number.NaN)),
        );
        const tput = median(pairs.map(([r, b]) => r.load.throughput / b.load.throughput));
        const marked = !ownTargets.has(name);
        const cpuMark = marked && Number.isFinite(cpu) ? (cpu <= TARGET_CPU_RATIO ? ' ✅' : ' ❌') : '';
        const tputMark =
          marked && level === TARGET_TPUT_LEVEL && Number.isFinite(tput)
            ? tput >= TARGET_TPUT_RATIO
              ? ' ✅'
              : ' ❌'
            : '';
        p(`| ${name} | ${level} | ${fmt(cpu)}${cpuMark} | ${fmt(tput)}${tputMark} |`);
      }
    }
  }
  for (const spec of deltaSpecs(out)) lines.push(...deltaSection(out, cell, spec));
  if (failed.length) {
    p();
    p('Failed runs:');
    for (const r of failed) p(`- ${r.config} c=${r.level} rep ${r.rep}: ${(r.error ?? '').slice(0, 300)}`);
  }
  return lines.join('\n');
}

if (import.meta.main) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: node bench/report.ts bench/results/raw/<file>.json\n');
    process.exit(1);
  }
  process.stdout.write(`${summarize(JSON.parse(readFileSync(file, 'utf8')) as BenchOutput)}\n`);
}
