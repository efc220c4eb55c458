// The `changes` task: one tool_change item (`before`, `after` tool objects) scored by change scoring on what the
// change added.

import { CHANGE_THRESHOLD, scoreChange } from '../change/score.ts';
import type { DetectTask } from './task.ts';

export const changesTask: DetectTask = {
  name: 'changes',
  defaultThreshold: CHANGE_THRESHOLD,
  detect(item) {
    return scoreChange(item.before, item.after);
  },
};
