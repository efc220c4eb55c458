// Structural limits are checked before validation and name the limit and where it was broken.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type ArgumentLimits,
  checkArgumentLimits,
  DEFAULT_ARGUMENT_LIMITS,
} from '../../src/validate/limits.ts';

const limits: ArgumentLimits = { maxBytes: 200, maxDepth: 3, maxStringLength: 10, maxArrayLength: 3 };

describe('checkArgumentLimits', () => {
  it('accepts values within every limit', () => {
    assert.equal(checkArgumentLimits({ a: [1, 2, 3], b: { c: 'short' } }, limits), undefined);
    assert.equal(checkArgumentLimits({}, DEFAULT_ARGUMENT_LIMITS), undefined);
  });

  it('refuses a long string and names its pointer', () => {
    assert.deepEqual(checkArgumentLimits({ a: { 'x/y': 'x'.repeat(11) } }, limits), {
      limit: 'maxStringLength',
      max: 10,
      path: '/a/x~1y',
    });
  });

  it('refuses a long property name', () => {
    assert.deepEqual(checkArgumentLimits({ ['k'.repeat(11)]: 1 }, limits)?.limit, 'maxStringLength');
  });

  it('refuses a long array', () => {
    assert.deepEqual(checkArgumentLimits({ list: [[1, 2, 3, 4]] }, limits), {
      limit: 'maxArrayLength',
      max: 3,
      path: '/list/0',
    });
  });

  it('counts the arguments object as depth 1', () => {
    assert.equal(checkArgumentLimits({ a: { b: {} } }, limits), undefined);
    assert.deepEqual(checkArgumentLimits({ a: { b: { c: {} } } }, limits), {
      limit: 'maxDepth',
      max: 3,
      path: '/a/b/c',
    });
  });

  it('walks a value far too deep for recursion without overflowing', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { d: deep };
    assert.equal(checkArgumentLimits(deep, DEFAULT_ARGUMENT_LIMITS)?.limit, 'maxDepth');
  });

  it('refuses arguments whose JSON is too large', () => {
    const big = { a: 'x'.repeat(10), b: 'y'.repeat(10), c: 'z'.repeat(10), d: 'é'.repeat(10) };
    assert.equal(checkArgumentLimits(big, { ...limits, maxBytes: 60 })?.limit, 'maxBytes');
    assert.equal(checkArgumentLimits(big, { ...limits, maxBytes: 200 }), undefined);
  });
});
