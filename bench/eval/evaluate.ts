// One task over its labelled items: scores, metrics at the default threshold, breakdowns by category and source,
// latency, and the metamorphic robustness of the malicious items.

import { sameServerTools } from '../../src/detect/tasks/same-server.ts';
import type { DetectTask } from '../../src/detect/tasks/task.ts';
import { DATASETS, type Item, isTemplatedMsb, labelConflicts } from './datasets.ts';
import { type Metrics, metricsAt, percentile, recallAtFpr, type Scored } from './metrics.ts';
import {
  base64Wrap,
  homoglyphs,
  htmlComment,
  intoSchema,
  tagChars,
  translatePhrases,
  zeroWidth,
} from './transforms.ts';

export interface Breakdown {
  readonly key: string;
  readonly n: number;
  readonly positives: number;
  readonly flagged: number;
  readonly recall: number;
  readonly fpr: number;
}

export interface TaskReport {
  readonly task: string;
  readonly threshold: number;
  readonly overall: Metrics;
  readonly recallAtFpr1: { recall: number; threshold: number };
  readonly recallAtFpr2: { recall: number; threshold: number };
  readonly latencyUs: { p50: number; p95: number; max: number };
  readonly byCategory: Breakdown[];
  readonly bySource: Breakdown[];
  readonly variants: Record<string, Metrics>;
  readonly responseSideFlagged?: { flagged: number; n: number };
  readonly preferenceRecall?: number;
  readonly metamorphic: { transform: string; recall: number; drop: number }[];
  readonly skipped: string[];
}

interface Row extends Scored {
  readonly item: Item;
}

function keyOf(task: DetectTask['name'], it: Item): string {
  if (task === 'tools') return JSON.stringify([it['tool_name'], it['description'], it['input_schema']]);
  if (task === 'outputs') return String(it['text']);
  return JSON.stringify([it['before'], it['after']]);
}

function breakdown(rows: readonly Row[], field: string, threshold: number): Breakdown[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.label} ${String(r.item[field])}`;
    const g = groups.get(k) ?? [];
    g.push(r);
    groups.set(k, g);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, g]) => {
      const m = metricsAt(g, threshold);
      return { key, n: g.length, positives: m.positives, flagged: m.tp + m.fp, recall: m.recall, fpr: m.fpr };
    });
}

/** The full report of `task` over `items` at `threshold` (the task's default unless given). */
export function evaluateTask(
  task: DetectTask,
  items: readonly Item[],
  threshold = task.defaultThreshold,
): TaskReport {
  const context = sameServerTools(items);
  const latencies: number[] = [];
  const detect = (it: Item, i: number) => task.detect(it, { sameServerTools: context[i] ?? [] }).score;
  // One warm-up pass so the JIT and regex compilation do not count as per-item latency.
  for (let i = 0; i < items.length; i++) detect(items[i]!, i);
  const all: Row[] = items.map((item, i) => {
    const t0 = process.hrtime.bigint();
    const score = detect(item, i);
    latencies.push(Number(process.hrtime.bigint() - t0) / 1000);
    return { item, label: item['label'] === 1 ? 1 : 0, score };
  });
  const responseSide = all.filter((r) => r.item['check'] === 'response_side');
  const rows = all.filter((r) => r.item['check'] !== 'response_side');
  const conflicts = labelConflicts(items, (it) => keyOf(task.name, it));
  const variants: Record<string, Metrics> = {};
  if (task.name === 'tools') {
    variants['without templated MSB (285)'] = metricsAt(
      rows.filter((r) => !isTemplatedMsb(r.item)),
      threshold,
    );
  }
  if (conflicts.size > 0) {
    variants['without label-conflicting items'] = metricsAt(
      rows.filter((r) => !conflicts.has(keyOf(task.name, r.item))),
      threshold,
    );
  }
  const base = metricsAt(rows, threshold);
  const preference = rows.filter((r) => r.label === 1 && /preference/.test(String(r.item['category'])));
  return {
    task: task.name,
    threshold,
    overall: base,
    recallAtFpr1: recallAtFpr(rows, 0.01),
    recallAtFpr2: recallAtFpr(rows, 0.02),
    latencyUs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      max: Math.max(...latencies),
    },
    byCategory: breakdown(rows, 'category', threshold),
    bySource: breakdown(rows, 'source', threshold),
    variants,
    ...(task.name === 'tools'
      ? {
          responseSideFlagged: {
            flagged: responseSide.filter((r) => r.score >= threshold).length,
            n: responseSide.length,
          },
          preferenceRecall:
            preference.filter((r) => r.score >= threshold).length / Math.max(1, preference.length),
        }
      : {}),
    metamorphic: metamorphic(task, items, rows, context, threshold, base.recall),
    skipped: [
      'machine translation of whole payloads (needs a model; a phrase-table translation is measured instead)',
    ],
  };
}

function metamorphic(
  task: DetectTask,
  items: readonly Item[],
  rows: readonly Row[],
  context: string[][],
  threshold: number,
  baseRecall: number,
): { transform: string; recall: number; drop: number }[] {
  const ds = DATASETS[task.name];
  const index = new Map(items.map((it, i) => [it, i]));
  const malicious = rows.filter((r) => r.label === 1);
  const textual: [string, (s: string) => string][] = [
    ['zero-width interleaved', zeroWidth],
    ['tag characters interleaved', tagChars],
    ['homoglyphs (Cyrillic)', homoglyphs],
    ['base64 wrapped', base64Wrap],
    ['HTML comment', htmlComment],
  ];
  const transforms: [string, (it: Item) => Item][] = textual.map(([name, f]) => [
    name,
    (it: Item) => ds.withPayload(it, f(ds.payload(it))),
  ]);
  if (task.name === 'tools') {
    for (const where of ['description', 'enum', 'default'] as const) {
      transforms.push([
        `moved into schema ${where}`,
        (it) => ({
          ...it,
          description: '',
          input_schema: intoSchema(it['input_schema'], ds.payload(it), where),
        }),
      ]);
    }
  }
  const results = transforms.map(([name, f]) => {
    let hit = 0;
    for (const r of malicious) {
      const i = index.get(r.item) ?? 0;
      if (task.detect(f(r.item), { sameServerTools: context[i] ?? [] }).score >= threshold) hit++;
    }
    const recall = malicious.length ? hit / malicious.length : 0;
    return { transform: name, recall, drop: baseRecall - recall };
  });
  // Phrase-table translation: only items the table changes count (the rest would measure nothing).
  for (const language of ['es', 'de', 'fr', 'zh', 'ru'] as const) {
    let hit = 0;
    let n = 0;
    let before = 0;
    for (const r of malicious) {
      const translated = translatePhrases(ds.payload(r.item), language);
      if (!translated.changed) continue;
      n++;
      if (r.score >= threshold) before++;
      const i = index.get(r.item) ?? 0;
      const item = ds.withPayload(r.item, translated.text);
      if (task.detect(item, { sameServerTools: context[i] ?? [] }).score >= threshold) hit++;
    }
    const recall = n ? hit / n : 0;
    results.push({
      transform: `phrases translated to ${language} (${n} items)`,
      recall,
      drop: (n ? before / n : 0) - recall,
    });
  }
  return results;
}
