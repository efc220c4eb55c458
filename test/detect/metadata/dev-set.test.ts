// The targets on the labelled development set (read from ../shared/data/detection, never copied):
// recall >= 0.85 at FPR <= 2% with response_side items excluded, and preference-manipulation recall >= 0.70.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { sameServerTools } from '../../../src/detect/tasks/same-server.ts';
import { toolsTask } from '../../../src/detect/tasks/tools.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const FILE = path.resolve(REPO, '../shared/data/detection/tool_metadata.jsonl');

describe('tools task on the development set', () => {
  const items = readFileSync(FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const context = sameServerTools(items);
  const th = toolsTask.defaultThreshold;
  const rows = items.map((item, i) => ({
    item,
    flagged: toolsTask.detect(item, { sameServerTools: context[i]! }).score >= th,
  }));
  const scored = rows.filter((r) => r.item['check'] !== 'response_side');
  const mal = scored.filter((r) => r.item['label'] === 1);
  const ben = scored.filter((r) => r.item['label'] === 0);
  const recall = mal.filter((r) => r.flagged).length / mal.length;
  const fpr = ben.filter((r) => r.flagged).length / ben.length;
  const pref = mal.filter((r) => /preference/.test(String(r.item['category'])));
  const prefRecall = pref.filter((r) => r.flagged).length / pref.length;

  it('reaches recall >= 0.85 at FPR <= 2% (response_side excluded)', () => {
    assert.equal(items.length, 1813);
    assert.ok(recall >= 0.85, `recall ${recall}`);
    assert.ok(fpr <= 0.02, `fpr ${fpr}`);
  });

  it('reaches preference-manipulation recall >= 0.70 at the same threshold', () => {
    assert.ok(prefRecall >= 0.7, `preference recall ${prefRecall}`);
  });

  it('flags few real published servers (docker/mcp-registry)', () => {
    const docker = ben.filter((r) => r.item['source'] === 'docker/mcp-registry');
    assert.ok(docker.filter((r) => r.flagged).length / docker.length <= 0.01);
  });
});
