// Exact-value exposure matching: a secret's value is found and replaced by `[REDACTED:NAME]` as it is and in base64,
// base64url, URL-encoding and JSON escaping; a secret containing another is replaced whole; canaries are told apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExposureMatcher } from '../../src/vault/exposure.ts';

const matcher = new ExposureMatcher([
  { name: 'TOKEN', kind: 'secret', value: 'tok/en+va"lue?12' },
  { name: 'LONG', kind: 'secret', value: 'prefix-tok/en+va"lue?12-suffix' },
  { name: 'BAIT', kind: 'canary', value: 'AKIAFAKECANARY00001' },
]);

describe('exposure matching', () => {
  it('redacts the value as it is and in common encodings', () => {
    const v = 'tok/en+va"lue?12';
    const forms = [
      v,
      Buffer.from(v).toString('base64'),
      Buffer.from(v).toString('base64url'),
      encodeURIComponent(v),
      JSON.stringify(v).slice(1, -1),
    ];
    for (const form of forms) {
      assert.equal(matcher.redact(`a ${form} b`), 'a [REDACTED:TOKEN] b', form);
    }
  });

  it('replaces a secret that contains another whole', () => {
    assert.equal(matcher.redact('x prefix-tok/en+va"lue?12-suffix y'), 'x [REDACTED:LONG] y');
  });

  it('tells canaries from secrets and walks JSON values, keys included', () => {
    const value = { a: ['tok/en+va"lue?12'], AKIAFAKECANARY00001: { deep: 'ok' } };
    assert.deepEqual(matcher.findDeep(value), { names: ['TOKEN', 'BAIT'], canaries: ['BAIT'] });
    assert.deepEqual(matcher.redactDeep(value), {
      a: ['[REDACTED:TOKEN]'],
      '[REDACTED:BAIT]': { deep: 'ok' },
    });
  });

  it('leaves text without secrets untouched and costs nothing when empty', () => {
    assert.equal(matcher.redact('nothing to see'), 'nothing to see');
    const empty = new ExposureMatcher([]);
    const value = { a: 1 };
    assert.equal(empty.redactDeep(value), value);
    assert.deepEqual(empty.findDeep(value), { names: [], canaries: [] });
  });

  it('scans nesting deeper than it walks as text', () => {
    let deep: unknown = 'AKIAFAKECANARY00001';
    for (let i = 0; i < 400; i++) deep = [deep];
    assert.deepEqual(matcher.findDeep(deep).canaries, ['BAIT']);
    assert.ok(!JSON.stringify(matcher.redactDeep(deep)).includes('AKIAFAKECANARY00001'));
  });
});
