// Shared helpers for the output detector tests: the verdict the gateway would reach and the rules that fired.
import type { Finding } from '../../../src/detect/finding.ts';
import { scanOutput } from '../../../src/detect/output/scan.ts';
import { riskScore } from '../../../src/detect/score.ts';
import { OUTPUT_THRESHOLD } from '../../../src/detect/tasks/outputs.ts';

/** True when the outputs task would flag `text` at its default threshold. */
export function flagged(text: string): boolean {
  return riskScore(scanOutput(text, {})) >= OUTPUT_THRESHOLD;
}

/** Rules that fired at medium severity or above. */
export function strongRules(text: string): string[] {
  return scanOutput(text, {})
    .filter((f: Finding) => f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical')
    .map((f) => f.rule);
}
