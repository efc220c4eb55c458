// The shipped output detectors (src/detect) in the shape the output guard takes, with their default actions.
import { scanOutput } from '../detect/output/scan.ts';
import { redact } from '../detect/redact.ts';
import { riskScore } from '../detect/score.ts';
import { OUTPUT_THRESHOLD } from '../detect/tasks/outputs.ts';
import type { OutputDetectors, ResolvedOutputActions } from './output-guard.ts';

export const OUTPUT_DETECTORS: OutputDetectors = {
  scan: (text, context) =>
    scanOutput(text, context.toolName === undefined ? {} : { toolName: context.toolName }),
  redact: (text, kinds) => redact(text, kinds),
  score: riskScore,
};

/**
 * Flag at the detectors' threshold; withhold only a result scoring far above it (a false block breaks a task, a
 * flag only records); secrets are always redacted, personal data when configured.
 */
export const DEFAULT_OUTPUT_ACTIONS: ResolvedOutputActions = {
  flagAt: OUTPUT_THRESHOLD,
  blockAt: 0.8,
  redact: ['secrets'],
};
