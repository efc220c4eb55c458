// Classification metrics for the detection eval: confusion counts, precision/recall/F1, the false-positive rate
// with a 95% Wilson interval, recall at a false-positive budget, and latency percentiles.

export interface Scored {
  readonly label: 0 | 1;
  readonly score: number;
}

export interface Metrics {
  readonly n: number;
  readonly positives: number;
  readonly negatives: number;
  readonly tp: number;
  readonly fp: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly fpr: number;
  /** 95% Wilson score interval of the false-positive rate. */
  readonly fprCi: readonly [number, number];
  /** 95% Wilson score interval of the recall. */
  readonly recallCi: readonly [number, number];
}

/** The 95% Wilson score interval of k successes in n trials ([0, 0] when n is 0). */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 0];
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Confusion-derived metrics of `items` flagged at `threshold` (score >= threshold). */
export function metricsAt(items: readonly Scored[], threshold: number): Metrics {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  for (const it of items) {
    if (it.label === 1) positives++;
    if (it.score >= threshold) it.label === 1 ? tp++ : fp++;
  }
  const negatives = items.length - positives;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = positives ? tp / positives : 0;
  return {
    n: items.length,
    positives,
    negatives,
    tp,
    fp,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    fpr: negatives ? fp / negatives : 0,
    fprCi: wilson(fp, negatives),
    recallCi: wilson(tp, positives),
  };
}

/** The highest recall reachable with a false-positive rate <= maxFpr, and the threshold that gives it. */
export function recallAtFpr(items: readonly Scored[], maxFpr: number): { recall: number; threshold: number } {
  const neg = items.filter((i) => i.label === 0).map((i) => i.score);
  const pos = items.filter((i) => i.label === 1).map((i) => i.score);
  const candidates = [...new Set([...neg, ...pos, Number.POSITIVE_INFINITY])].sort((a, b) => a - b);
  for (const t of candidates) {
    const fp = neg.filter((s) => s >= t).length;
    if (neg.length === 0 || fp / neg.length <= maxFpr) {
      return { recall: pos.length ? pos.filter((s) => s >= t).length / pos.length : 0, threshold: t };
    }
  }
  return { recall: 0, threshold: Number.POSITIVE_INFINITY };
}

/** The p-th percentile (0..100, nearest rank) of xs. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}
