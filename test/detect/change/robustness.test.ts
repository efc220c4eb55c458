// Metamorphic robustness of change scoring: the development set's malicious description changes, re-encoded the
// ways an attacker hides a payload from a reviewer (zero-width characters, homoglyphs, base64, an HTML comment,
// moved into a new parameter's description), must still be caught.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CHANGE_THRESHOLD, scoreChange } from '../../../src/detect/change/score.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
const FILE = path.resolve(REPO, '../shared/data/detection/tool_changes.jsonl');

interface Tool {
  name: string;
  description?: string;
  inputSchema?: { properties?: Record<string, unknown> };
}
interface Item {
  label: number;
  before: Tool;
  after: Tool;
}

const HOMOGLYPH: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', x: 'х', i: 'і' };

const TRANSFORMS: Record<string, (before: Tool, after: Tool) => Tool> = {
  'zero-width characters': (_, a) => ({ ...a, description: [...(a.description ?? '')].join('\u200b') }),
  homoglyphs: (_, a) => ({
    ...a,
    description: (a.description ?? '').replace(/[aeopcxi]/g, (c) => HOMOGLYPH[c] ?? c),
  }),
  base64: (_, a) => ({ ...a, description: Buffer.from(a.description ?? '').toString('base64') }),
  'HTML comment': (_, a) => ({ ...a, description: `<!-- ${a.description ?? ''} -->` }),
  'moved into a parameter': (b, a) => ({
    ...a,
    description: b.description,
    inputSchema: {
      ...a.inputSchema,
      properties: {
        ...(a.inputSchema?.properties ?? {}),
        options: { type: 'string', description: a.description },
      },
    },
  }),
};

describe('change scoring under re-encoding', () => {
  const items = readFileSync(FILE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Item)
    .filter((i) => i.label === 1 && i.before.description !== i.after.description);

  for (const [name, transform] of Object.entries(TRANSFORMS)) {
    it(`keeps recall >= 0.9 with ${name}`, () => {
      assert.ok(items.length > 100);
      const caught = items.filter(
        (i) => scoreChange(i.before, transform(i.before, i.after)).score >= CHANGE_THRESHOLD,
      ).length;
      assert.ok(caught / items.length >= 0.9, `${name}: ${caught}/${items.length}`);
    });
  }
});
