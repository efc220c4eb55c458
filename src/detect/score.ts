// Findings -> one risk score in [0, 1]. Evidence combines by noisy-OR of severity weights, so one strong finding
// suffices and several weak ones add up; repeats of one rule are capped just above that rule's strongest hit, so a
// long text cannot reach a verdict by repeating the same weak cue.

import { type Finding, SEVERITY_WEIGHT } from './finding.ts';

/** Repeats of one rule add at most this much over the rule's strongest finding. */
const REPEAT_BONUS = 0.1;

/** Default decision threshold for tool metadata (dev set: see `npm run eval`). */
export const METADATA_THRESHOLD = 0.5;

/** The risk score of `findings`: noisy-OR over rules, each rule capped near its strongest finding. */
export function riskScore(findings: readonly Finding[]): number {
  const perRule = new Map<string, { max: number; miss: number }>();
  for (const f of findings) {
    const w = SEVERITY_WEIGHT[f.severity];
    const r = perRule.get(f.rule) ?? { max: 0, miss: 1 };
    r.max = Math.max(r.max, w);
    r.miss *= 1 - w;
    perRule.set(f.rule, r);
  }
  let miss = 1;
  for (const r of perRule.values()) {
    const combined = Math.min(1 - r.miss, r.max + REPEAT_BONUS, 0.99);
    miss *= 1 - combined;
  }
  return Math.round((1 - miss) * 1e6) / 1e6;
}
