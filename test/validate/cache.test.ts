// The LRU cache keeps at most its capacity and evicts the least recently used entry.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LruCache } from '../../src/validate/cache.ts';

describe('LruCache', () => {
  it('evicts the least recently used entry', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    assert.equal(cache.size, 2);
  });

  it('rejects a capacity below one', () => {
    assert.throws(() => new LruCache(0), RangeError);
  });
});
