// The tool-output development set (../shared/data/detection/tool_outputs.jsonl, read in place, never copied):
// recall at the default threshold with the false-positive rate held at or below 5%, and latency per 4 KB.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OUTPUT_THRESHOLD, outputsTask } from '../../../src/detect/tasks/outputs.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const FILE = path.resolve(REPO, '../shared/data/detection/tool_outputs.jsonl');

interface Item {
  readonly id: string;
  readonly label: number;
  readonly category: string;
  readonly text: string;
  readonly tool_name?: string;
}

const items: Item[] = readFileSync(FILE, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as Item);

describe('tool-output dev set', () => {
  it('reaches recall >= 0.75 at FPR <= 5% with the default threshold', () => {
    let tp = 0;
    let fp = 0;
    let pos = 0;
    let neg = 0;
    for (const item of items) {
      const { score } = outputsTask.detect({ ...item }, { sameServerTools: [] });
      const flagged = score >= OUTPUT_THRESHOLD;
      if (item.label === 1) {
        pos++;
        if (flagged) tp++;
      } else {
        neg++;
        if (flagged) fp++;
      }
    }
    assert.ok(pos > 400 && neg > 100, 'the dev set is present and complete');
    const recall = tp / pos;
    const fpr = fp / neg;
    assert.ok(fpr <= 0.05, `FPR ${fpr.toFixed(3)} above 5%`);
    assert.ok(recall >= 0.75, `recall ${recall.toFixed(3)} below 0.75`);
  });

  it('does not flag any of the security documents that quote attacks', () => {
    const docs = items.filter((i) => i.category.startsWith('benign_hard_negative'));
    assert.ok(docs.length >= 10);
    for (const d of docs) {
      assert.ok(outputsTask.detect({ ...d }, { sameServerTools: [] }).score < OUTPUT_THRESHOLD, d.id);
    }
  });

  it('scans a 4 KB output well inside 2 ms at p95', () => {
    const texts = items.map((i) =>
      (i.text + '\n').repeat(Math.ceil(4096 / (i.text.length + 1))).slice(0, 4096),
    );
    const times: number[] = [];
    for (const t of texts) {
      const t0 = performance.now();
      outputsTask.detect({ text: t }, { sameServerTools: [] });
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p95 = times[Math.floor(times.length * 0.95)]!;
    // Generous bound so a busy shared machine does not fail the test; the measured p95 is far lower.
    assert.ok(p95 < 10, `p95 ${p95.toFixed(2)} ms`);
  });
});
