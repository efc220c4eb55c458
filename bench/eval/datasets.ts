// Where each task's labelled items live and which string of an item carries the payload the metamorphic transforms
// rewrite. The data is read from ../shared/data/detection at run time, never copied into the project.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseJsonl } from '../../src/cli/detect.ts';
import type { DetectTask } from '../../src/detect/tasks/task.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');
export const DATA_DIR = path.resolve(REPO, '../shared/data/detection');

export type Item = Record<string, unknown>;

export interface Dataset {
  readonly file: string;
  /** The payload string of an item, and a copy of the item with it replaced. */
  readonly payload: (item: Item) => string;
  readonly withPayload: (item: Item, text: string) => Item;
}

const after = (item: Item): Item =>
  item['after'] && typeof item['after'] === 'object' ? (item['after'] as Item) : {};

export const DATASETS: Readonly<Record<DetectTask['name'], Dataset>> = {
  tools: {
    file: 'tool_metadata.jsonl',
    payload: (item) => (typeof item['description'] === 'string' ? item['description'] : ''),
    withPayload: (item, text) => ({ ...item, description: text }),
  },
  outputs: {
    file: 'tool_outputs.jsonl',
    payload: (item) => (typeof item['text'] === 'string' ? item['text'] : ''),
    withPayload: (item, text) => ({ ...item, text }),
  },
  changes: {
    file: 'tool_changes.jsonl',
    payload: (item) =>
      typeof after(item)['description'] === 'string' ? (after(item)['description'] as string) : '',
    withPayload: (item, text) => ({ ...item, after: { ...after(item), description: text } }),
  },
};

/** The labelled items of `task`'s file. */
export function loadItems(task: DetectTask['name']): Item[] {
  return parseJsonl(readFileSync(path.join(DATA_DIR, DATASETS[task].file), 'utf8'));
}

/** True for the 285 templated MSB prompt-injection items the dataset README asks to report separately. */
export function isTemplatedMsb(item: Item): boolean {
  return item['source'] === 'dongsenzhang/MSB' && /prompt_injection/.test(String(item['category']));
}

/** Keys of items whose identical definition appears with both labels (label noise in the source data). */
export function labelConflicts(items: readonly Item[], payloadKey: (item: Item) => string): Set<string> {
  const labels = new Map<string, Set<unknown>>();
  for (const it of items) {
    const k = payloadKey(it);
    let s = labels.get(k);
    if (!s) {
      s = new Set();
      labels.set(k, s);
    }
    s.add(it['label']);
  }
  return new Set([...labels].filter(([, s]) => s.size > 1).map(([k]) => k));
}
