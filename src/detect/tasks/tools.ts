// The `tools` task: one tool_metadata item (tool_name, description, input_schema, optional other_tools) scored by
// the metadata detectors.

import { scanToolMetadata } from '../metadata/index.ts';
import { METADATA_THRESHOLD, riskScore } from '../score.ts';
import type { DetectTask } from './task.ts';

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

export const toolsTask: DetectTask = {
  name: 'tools',
  defaultThreshold: METADATA_THRESHOLD,
  detect(item, context) {
    const name =
      typeof item['tool_name'] === 'string'
        ? item['tool_name']
        : typeof item['name'] === 'string'
          ? item['name']
          : '';
    const description = typeof item['description'] === 'string' ? item['description'] : undefined;
    const title = typeof item['title'] === 'string' ? item['title'] : undefined;
    const otherTools = stringList(item['other_tools']) ?? context.sameServerTools;
    const findings = scanToolMetadata(
      { name, title, description, inputSchema: item['input_schema'] ?? item['inputSchema'] },
      { otherTools },
    );
    return { score: riskScore(findings), findings };
  },
};
