// W3C trace context handling: what is accepted, what is dropped, and what goes upstream. Everything here comes
// from clients, so each rejection rule of the spec has a case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatTraceparent,
  incomingTraceContext,
  isSampled,
  parseTraceparent,
  parseTracestate,
  traceHeaders,
  withTraceMeta,
} from '../../src/monitor/traceparent.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const VALID = `00-${TRACE}-${SPAN}-01`;

describe('parseTraceparent', () => {
  it('parses a version-00 traceparent and its sampled flag', () => {
    assert.deepEqual(parseTraceparent(VALID), { traceId: TRACE, spanId: SPAN, flags: 1 });
    const unsampled = parseTraceparent(`00-${TRACE}-${SPAN}-00`);
    assert.equal(unsampled?.flags, 0);
    assert.equal(isSampled(unsampled!.flags), false);
    assert.equal(isSampled(parseTraceparent(VALID)!.flags), true);
  });

  it('keeps unknown flag bits on input (they are cleared only when propagating)', () => {
    const parsed = parseTraceparent(`00-${TRACE}-${SPAN}-09`);
    assert.equal(parsed?.flags, 0x09);
    assert.equal(isSampled(parsed!.flags), true);
    assert.equal(formatTraceparent(parsed!), `00-${TRACE}-${SPAN}-01`);
    // Level 2's random-trace-id flag is known and kept.
    assert.equal(formatTraceparent({ traceId: TRACE, spanId: SPAN, flags: 0x03 }), `00-${TRACE}-${SPAN}-03`);
  });

  const invalid: Array<[string, unknown]> = [
    ['version ff is forbidden', `ff-${TRACE}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['upper-case version', `0A-${TRACE}-${SPAN}-01`],
    ['non-hex flags', `00-${TRACE}-${SPAN}-0g`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['long parent id', `00-${TRACE}-${SPAN}0-01`],
    ['version 00 with trailing data', `${VALID}-extra`],
    ['version 00 with trailing whitespace', `${VALID} `],
    ['missing separators', `00${TRACE}${SPAN}01xxx`],
    ['underscores for dashes', `00_${TRACE}_${SPAN}_01`],
    ['empty', ''],
    ['a number', 42],
    ['undefined', undefined],
    ['a joined repeated header', `${VALID}, ${VALID}`],
    ['a future version whose extra data has no dash', `01-${TRACE}-${SPAN}-01extra`],
  ];
  for (const [why, value] of invalid) {
    it(`rejects ${why}`, () => assert.equal(parseTraceparent(value), undefined));
  }

  it('accepts a future version and ignores the fields it added', () => {
    assert.deepEqual(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-the-future-holds`), {
      traceId: TRACE,
      spanId: SPAN,
      flags: 1,
    });
    assert.deepEqual(parseTraceparent(`cc-${TRACE}-${SPAN}-00`)?.flags, 0);
  });
});

describe('formatTraceparent', () => {
  it('round-trips any valid id pair and known flags', () => {
    const hex = (length: number) =>
      fc
        .string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length })
        .filter((s) => /[1-9a-f]/.test(s));
    fc.assert(
      fc.property(hex(32), hex(16), fc.integer({ min: 0, max: 3 }), (traceId, spanId, flags) => {
        const header = formatTraceparent({ traceId, spanId, flags });
        assert.equal(header.length, 55);
        assert.deepEqual(parseTraceparent(header), { traceId, spanId, flags });
      }),
    );
  });

  it('re-emits a future version as version 00', () => {
    const parsed = parseTraceparent(`02-${TRACE}-${SPAN}-01-more`)!;
    assert.equal(formatTraceparent(parsed), VALID);
  });

  it('refuses to format invalid ids (a bug, not input)', () => {
    assert.throws(() => formatTraceparent({ traceId: '0'.repeat(32), spanId: SPAN, flags: 1 }), RangeError);
    assert.throws(() => formatTraceparent({ traceId: TRACE, spanId: 'xyz', flags: 1 }), RangeError);
  });
});

describe('parseTracestate', () => {
  it('keeps a valid list, trimming blanks and empty members', () => {
    assert.equal(
      parseTracestate('rojo=00f067aa0ba902b7, congo=t61rcWkgMzE ,,'),
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    );
    assert.equal(parseTracestate('tenant1@vendor=abc'), 'tenant1@vendor=abc');
  });

  it('drops the whole list when any member is malformed or it is too long', () => {
    assert.equal(parseTracestate('Rojo=1'), undefined); // keys are lower case
    assert.equal(parseTracestate('rojo=1,congo'), undefined);
    assert.equal(parseTracestate('rojo=a=b,c'), undefined);
    assert.equal(parseTracestate('rojo=x\ty'), undefined);
    assert.equal(parseTracestate('rojo='), undefined);
    assert.equal(parseTracestate(Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')), undefined);
    assert.equal(parseTracestate(`k=${'v'.repeat(600)}`), undefined);
    assert.equal(parseTracestate(''), undefined);
    assert.equal(parseTracestate(7), undefined);
  });
});

describe('incomingTraceContext', () => {
  const META = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-00`;

  it('prefers a valid header, with the tracestate of the same carrier', () => {
    const context = incomingTraceContext(
      { traceparent: VALID, tracestate: 'h=1' },
      { _meta: { traceparent: META, tracestate: 'm=1' } },
    );
    assert.deepEqual(context, { traceId: TRACE, spanId: SPAN, flags: 1, tracestate: 'h=1' });
  });

  it('falls back to _meta (stdio, or an invalid header) without mixing in the header tracestate', () => {
    const context = incomingTraceContext(
      { traceparent: 'garbage', tracestate: 'h=1' },
      { _meta: { traceparent: META } },
    );
    assert.deepEqual(context, {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      flags: 0,
      tracestate: undefined,
    });
    assert.equal(incomingTraceContext(undefined, { _meta: { traceparent: META } })?.traceId, 'a'.repeat(32));
  });

  it('joins repeated tracestate headers but rejects repeated traceparent headers', () => {
    assert.equal(
      incomingTraceContext({ traceparent: VALID, tracestate: ['a=1', 'b=2'] }, undefined)?.tracestate,
      'a=1,b=2',
    );
    assert.equal(incomingTraceContext({ traceparent: [VALID, VALID] }, undefined), undefined);
  });

  it('returns undefined without a usable context', () => {
    assert.equal(incomingTraceContext(undefined, undefined), undefined);
    assert.equal(incomingTraceContext({}, { _meta: 'not an object' }), undefined);
    assert.equal(incomingTraceContext({}, { _meta: { traceparent: 12 } }), undefined);
  });
});

describe('traceHeaders and withTraceMeta', () => {
  const headers = traceHeaders({ traceId: TRACE, spanId: SPAN, flags: 1, tracestate: 'r=1' });

  it('builds the headers for an HTTP upstream', () => {
    assert.deepEqual(headers, { traceparent: VALID, tracestate: 'r=1' });
    assert.deepEqual(traceHeaders({ traceId: TRACE, spanId: SPAN, flags: 1, tracestate: undefined }), {
      traceparent: VALID,
    });
  });

  it('puts them into _meta for a stdio upstream, replacing what the client sent and keeping the rest', () => {
    const params = { name: 'read', _meta: { progressToken: 5, traceparent: 'client', tracestate: 'c=1' } };
    const out = withTraceMeta(params, { traceparent: VALID });
    assert.deepEqual(out, { name: 'read', _meta: { progressToken: 5, traceparent: VALID } });
    assert.equal(params._meta.traceparent, 'client', 'the input is not mutated');
    assert.deepEqual(withTraceMeta(undefined, headers), { _meta: headers });
  });

  it('strips a client-supplied context when there is none to send', () => {
    assert.deepEqual(withTraceMeta({ a: 1, _meta: { traceparent: 'x', progressToken: 1 } }, undefined), {
      a: 1,
      _meta: { progressToken: 1 },
    });
    assert.deepEqual(withTraceMeta({ a: 1, _meta: { tracestate: 'x' } }, undefined), { a: 1 });
    const untouched = { a: 1, _meta: { progressToken: 1 } };
    assert.equal(withTraceMeta(untouched, undefined), untouched);
    assert.equal(withTraceMeta(undefined, undefined), undefined);
  });
});
