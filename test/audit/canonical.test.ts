// Canonical JSON follows RFC 8785: the RFC's own examples, and agreement with the reference implementation
// (the `canonicalize` package) on arbitrary JSON values and on audit events.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonLenient } from '../../src/audit/canonical.ts';
import { buildAuditEvent, eventJson } from '../../src/audit/event.ts';
import { sampleEvent, testKeyring } from './helpers.ts';

describe('canonical JSON (RFC 8785)', () => {
  it('matches the example of RFC 8785 section 3.2.2', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    assert.equal(
      canonicalJson(input),
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro',
      '\r': 'CR',
      '\ufb33': 'Hebrew',
      '1': 'One',
      '\ud83d\ude00': 'Emoji',
      '\u0080': 'Ctl',
      '\u00f6': 'Latin',
    };
    // Written with escapes: an editor could normalise the Hebrew letter into two code points.
    assert.equal(
      canonicalJson(input),
      '{"\\r":"CR","1":"One","\u0080":"Ctl","\u00f6":"Latin","\u20ac":"Euro","\ud83d\ude00":"Emoji","\ufb33":"Hebrew"}',
    );
  });

  it('writes numbers as ECMAScript does, -0 as 0 (RFC 8785 appendix B)', () => {
    const numbers = JSON.parse(
      '[-0, 1e21, 1e-7, 5e-324, 9007199254740993, 1.7976931348623157e308, 0.30000000000000004]',
    );
    assert.equal(
      canonicalJson(numbers),
      '[0,1e+21,1e-7,5e-324,9007199254740992,1.7976931348623157e+308,0.30000000000000004]',
    );
  });

  it('agrees with the reference implementation on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => canonicalJson(value) === canonicalize(value)),
      { numRuns: 500 },
    );
  });

  it('agrees with the reference beyond the depth it walks itself', () => {
    let deep: unknown = { leaf: [1, 'x'] };
    for (let i = 0; i < 300; i++) deep = { [`k${i % 3}`]: deep, z: i };
    assert.equal(canonicalJson(deep), canonicalize(deep));
  });

  it('refuses lone surrogates and non-finite numbers; the lenient form replaces them and says so', () => {
    assert.throws(() => canonicalJson({ a: '\ud800' }));
    assert.throws(() => canonicalJson([Number.NaN]));
    assert.deepEqual(canonicalJsonLenient({ a: '\ud800x' }), { text: '{"a":"\ufffdx"}', lossy: true });
    assert.deepEqual(canonicalJsonLenient({ a: 'ok' }), { text: '{"a":"ok"}', lossy: false });
  });

  it('writes audit events exactly as the reference canonicaliser would', () => {
    const sealer = testKeyring();
    fc.assert(
      fc.property(
        fc.record({
          name: fc.string({ unit: 'binary' }),
          subject: fc.string(),
          args: fc.jsonValue({ maxDepth: 4 }),
          detail: fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
          mode: fc.constantFrom('full' as const, 'redacted' as const, 'digest' as const),
        }),
        ({ name, subject, args, detail, mode }) => {
          const input = sampleEvent(1, {
            name: name.isWellFormed() ? name : 'x',
            principal: { issuer: 'i', subject, clientId: undefined, agent: undefined },
            arguments: args,
            detail,
            findings: [{ ruleId: 'pii:email', severity: 'high', location: '$.arguments.to' }],
          });
          const { event, json } = buildAuditEvent(input, { mode, sealer, now: () => 0 });
          return json === canonicalize(event) && json === eventJson(event);
        },
      ),
      { numRuns: 300 },
    );
  });
});
