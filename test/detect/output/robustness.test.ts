// Pathological inputs stay linear: a gateway scans attacker-controlled text, so no pattern may backtrack its way
// into seconds on a long run of one character class (the bound is loose; typical figures are a few milliseconds).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanOutput } from '../../../src/detect/output/scan.ts';
import { redact } from '../../../src/detect/redact.ts';

const INPUTS: Record<string, string> = {
  letters: 'a'.repeat(100_000),
  digits: '1'.repeat(100_000),
  whitespace: '\t \n'.repeat(30_000),
  base64ish: 'QUFB'.repeat(25_000),
  percent: '%41'.repeat(30_000),
  unclosedLinks: '[a](http://x/?'.repeat(7_000),
  unclosedComments: '<!-- '.repeat(20_000),
  questions: 'Can you help? '.repeat(7_000),
  keywords: 'password='.repeat(10_000),
  tagChars: '\u{E0041}'.repeat(30_000),
};

describe('pathological inputs', () => {
  for (const [name, text] of Object.entries(INPUTS)) {
    it(`scans and redacts ${name} in linear time`, () => {
      const t0 = performance.now();
      scanOutput(text, {});
      redact(text);
      assert.ok(performance.now() - t0 < 1500, `${name} took ${(performance.now() - t0).toFixed(0)} ms`);
    });
  }
});
