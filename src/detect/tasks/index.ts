// The registered detection tasks by name; `rampart detect` and `npm run eval` run exactly these.

import { changesTask } from './changes.ts';
import { outputsTask } from './outputs.ts';
import type { DetectTask } from './task.ts';
import { toolsTask } from './tools.ts';

export const TASKS: Readonly<Partial<Record<DetectTask['name'], DetectTask>>> = {
  tools: toolsTask,
  changes: changesTask,
  outputs: outputsTask,
};
