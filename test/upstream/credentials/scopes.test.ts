import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  coversScopes,
  formatScope,
  parseScope,
  selectScopes,
  unionScopes,
} from '../../../src/upstream/credentials/scopes.ts';

const none = { challenge: [], configured: [], resourceSupported: undefined, serverSupported: undefined };

describe('scope selection', () => {
  it('parses and formats space-separated scopes', () => {
    assert.deepEqual(parseScope('  a  b a '), ['a', 'b']);
    assert.deepEqual(parseScope(undefined), []);
    assert.equal(formatScope([]), undefined);
    assert.equal(formatScope(['a', 'b']), 'a b');
  });

  it('prefers the challenge, then the configured scope, then scopes_supported, else none', () => {
    assert.deepEqual(
      selectScopes({ ...none, challenge: ['files:read'], configured: ['x'], resourceSupported: ['a', 'b'] }),
      ['files:read'],
    );
    assert.deepEqual(selectScopes({ ...none, configured: ['x'], resourceSupported: ['a'] }), ['x']);
    assert.deepEqual(selectScopes({ ...none, resourceSupported: ['a', 'b'] }), ['a', 'b']);
    assert.deepEqual(selectScopes(none), []);
  });

  it('adds offline_access only when the authorization server lists it', () => {
    assert.deepEqual(
      selectScopes({ ...none, resourceSupported: ['a'], serverSupported: ['a', 'offline_access'] }),
      ['a', 'offline_access'],
    );
    assert.deepEqual(selectScopes({ ...none, resourceSupported: ['a'], serverSupported: ['a', 'b'] }), ['a']);
  });

  it('steps up to the union and knows when a token already covers a challenge', () => {
    assert.deepEqual(unionScopes(['a', 'b'], ['b', 'c']), ['a', 'b', 'c']);
    assert.ok(coversScopes(['a', 'b'], ['b']));
    assert.ok(!coversScopes(['a'], ['a', 'c']));
    assert.ok(coversScopes(['a'], []));
  });
});
