// Nesting depth is measured on the raw text, ignoring brackets inside strings.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { jsonDepth, parseJsonBody } from '../../src/ingress/body.ts';

function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value !== null && typeof value === 'object')
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('request body', () => {
  it('measures the same depth as the parsed value', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => jsonDepth(JSON.stringify(value)) === depthOf(value)));
  });

  it('ignores brackets inside strings, including escaped quotes', () => {
    assert.equal(jsonDepth('{"a":"[[[{{{\\"]]]"}'), 1);
  });

  it('rejects deep nesting before parsing', () => {
    assert.throws(() => parseJsonBody(Buffer.from('['.repeat(100) + ']'.repeat(100)), 64), {
      code: 'RAMPART_JSON_TOO_DEEP',
    });
    assert.deepEqual(parseJsonBody(Buffer.from('{"a":[1]}'), 2), { a: [1] });
  });
});
