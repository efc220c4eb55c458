// `rateLimits` in the config: defaults filled in, and duplicate names, unknown time zones and non-positive
// rates rejected with the line and key of the offending entry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { parseConfigText } from '../../src/config/load.ts';

const BASE = `servers:
  - name: fx
    url: http://127.0.0.1:3001/mcp
`;

function keysOfIssues(text: string): string[] {
  try {
    parseConfigText(text, 'rampart.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'RAMPART_CONFIG_INVALID');
    return error.issues.map(({ line, key }) => `${line}:${key}`);
  }
  assert.fail('expected the config to be rejected');
}

test('rate limits default to none, and a rule gets its defaults', () => {
  assert.deepEqual(parseConfigText(BASE, 'rampart.yaml').rateLimits, []);
  const config = parseConfigText(
    `${BASE}rateLimits:\n  - name: per-user\n    rate: { tokens: 10, perSeconds: 60 }\n`,
    'rampart.yaml',
  );
  assert.deepEqual(config.rateLimits, [
    {
      name: 'per-user',
      match: { methods: ['tools/call'] },
      per: ['principal'],
      rate: { tokens: 10, perSeconds: 60 },
      timezone: 'UTC',
    },
  ]);
});

test('unknown time zones and bad rates are rejected where they are written', () => {
  const text = `${BASE}rateLimits:
  - name: a
    rate: { tokens: 1, perSeconds: 1 }
    timezone: Mars/Olympus
  - name: b
    rate: { tokens: 0, perSeconds: 1 }
    per: [nobody]
`;
  assert.deepEqual(keysOfIssues(text).sort(), [
    '10:rateLimits[1].per[0]',
    '7:rateLimits[0].timezone',
    '9:rateLimits[1].rate.tokens',
  ]);
});

test('rule names are unique: they identify buckets, errors and audit rule ids', () => {
  const text = `${BASE}rateLimits:
  - name: a
    rate: { tokens: 1, perSeconds: 1 }
  - name: a
    rate: { tokens: 2, perSeconds: 1 }
`;
  assert.deepEqual(keysOfIssues(text), ['7:rateLimits[1].name']);
});
