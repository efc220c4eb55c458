// The `outputs` task: one tool_outputs item (tool_name, text) scored by the output detectors.

import { scanOutput } from '../output/scan.ts';
import { riskScore } from '../score.ts';
import type { DetectTask } from './task.ts';

/** Default decision threshold for tool outputs: one high finding, or two medium ones, flag a result. */
export const OUTPUT_THRESHOLD = 0.5;

export const outputsTask: DetectTask = {
  name: 'outputs',
  defaultThreshold: OUTPUT_THRESHOLD,
  detect(item) {
    const text = typeof item['text'] === 'string' ? item['text'] : '';
    const toolName = typeof item['tool_name'] === 'string' ? item['tool_name'] : undefined;
    const findings = scanOutput(text, { toolName });
    return { score: riskScore(findings), findings };
  },
};
