// Change scoring on the labelled development set (../shared/data/detection/tool_changes.jsonl, read in place, never
// copied): malicious-change recall >= 0.85 with a false-positive rate <= 5% on benign drift, via the registered
// `changes` task as `rampart detect changes` and the eval run it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TASKS } from '../../../src/detect/tasks/index.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const FILE = path.resolve(REPO, '../shared/data/detection/tool_changes.jsonl');

describe('change scoring on the development set', () => {
  it('reaches recall >= 0.85 at FPR <= 5%', () => {
    const task = TASKS.changes;
    assert.ok(task, 'the changes task is registered');
    const items = readFileSync(FILE, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    let tp = 0;
    let fp = 0;
    let positives = 0;
    let negatives = 0;
    for (const item of items) {
      const flagged = task.detect(item, { sameServerTools: [] }).score >= task.defaultThreshold;
      if (item.label === 1) {
        positives++;
        if (flagged) tp++;
      } else {
        negatives++;
        if (flagged) fp++;
      }
    }
    assert.ok(positives >= 200 && negatives >= 150, 'the file holds both classes');
    const recall = tp / positives;
    const fpr = fp / negatives;
    assert.ok(recall >= 0.85, `recall ${recall.toFixed(3)}`);
    assert.ok(fpr <= 0.05, `false-positive rate ${fpr.toFixed(3)}`);
  });
});
