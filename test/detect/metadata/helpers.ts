// Shared by the metadata detector tests: the rule ids a definition fires, and its score.
import type { ToolMetadata } from '../../../src/detect/metadata/index.ts';
import { scanToolMetadata } from '../../../src/detect/metadata/index.ts';
import { METADATA_THRESHOLD, riskScore } from '../../../src/detect/score.ts';

/** The set of rule ids that fire on `tool` (given the session's `others`). */
export function rulesOf(tool: ToolMetadata | string, others: readonly string[] = []): Set<string> {
  const t = typeof tool === 'string' ? { name: 'some_tool', description: tool } : tool;
  return new Set(scanToolMetadata(t, { otherTools: others }).map((f) => f.rule));
}

/** True when `tool` scores at or above the default metadata threshold. */
export function flagged(tool: ToolMetadata | string, others: readonly string[] = []): boolean {
  const t = typeof tool === 'string' ? { name: 'some_tool', description: tool } : tool;
  return riskScore(scanToolMetadata(t, { otherTools: others })) >= METADATA_THRESHOLD;
}
