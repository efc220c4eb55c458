// What `rampart detect` and `npm run eval` run per task: one labelled-item format in, a score and findings out.

import type { Finding } from '../finding.ts';

export interface DetectContext {
  /** Names of the other tools of the item's server in the same file (the runner computes them). */
  readonly sameServerTools: string[];
}

export interface DetectTask {
  readonly name: 'tools' | 'outputs' | 'changes';
  /** Score at or above which an item is flagged. */
  readonly defaultThreshold: number;
  detect(item: Record<string, unknown>, context: DetectContext): { score: number; findings: Finding[] };
}
