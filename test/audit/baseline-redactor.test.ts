// `audit.payloads: redacted` before the detectors exist: credential-like keys, tokens, e-mail addresses and long
// numbers are masked; everything else keeps its value and shape.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineRedactor } from '../../src/audit/baseline-redactor.ts';

describe('baseline redactor', () => {
  it('masks credentials, tokens, e-mail addresses and long numbers, and keeps the rest', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
    const input = {
      path: '/srv/reports/q3.csv',
      limit: 25,
      flags: [true, null],
      headers: { Authorization: 'Bearer abcdefghijkl', accept: 'text/plain' },
      apiKey: 'sk-live-123',
      note: `mail bob@example.com, card 4111 1111 1111 1111, token ${jwt}, ticket 42`,
      nested: [{ password: 'hunter2', text: 'call +1 555 010 9999' }],
    };
    assert.deepEqual(baselineRedactor(input, 'arguments'), {
      path: '/srv/reports/q3.csv',
      limit: 25,
      flags: [true, null],
      headers: { Authorization: '[REDACTED]', accept: 'text/plain' },
      apiKey: '[REDACTED]',
      note: 'mail [REDACTED:email], card [REDACTED:number], token [REDACTED:jwt], ticket 42',
      nested: [{ password: '[REDACTED]', text: 'call +[REDACTED:number]' }],
    });
  });

  it('masks a bearer token inside a tool result text', () => {
    const result = { content: [{ type: 'text', text: 'use Bearer 0123456789abcdef to call it' }] };
    assert.deepEqual(baselineRedactor(result, 'result'), {
      content: [{ type: 'text', text: 'use Bearer [REDACTED:token] to call it' }],
    });
  });

  it('stays linear on long strings without a match, and drops very long strings whole', () => {
    for (const filler of ['a', '-eyJ', '1-', 'x.']) {
      const text = filler.repeat(Math.floor(60_000 / filler.length));
      const started = process.cpuUsage();
      baselineRedactor({ text }, 'arguments');
      const used = process.cpuUsage(started);
      // Quadratic patterns took over a second on 40k characters; linear ones take a few milliseconds.
      assert.ok(used.user + used.system < 250_000, `${filler}: ${(used.user + used.system) / 1000} ms`);
    }
    assert.deepEqual(baselineRedactor({ blob: 'z'.repeat(70_000) }, 'result'), {
      blob: '[REDACTED:70000 characters]',
    });
  });
});
