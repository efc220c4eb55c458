// The alerts config: `alerts: {}` means sensible defaults everywhere, unknown keys and empty matchers are
// refused, and every key is described (docs/configuration.md is generated from the descriptions).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { alertsSchema, defaultAlertsConfig } from '../../../src/config/alerts-schema.ts';

interface Node {
  description?: string;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
}

function undescribed(node: Node, path: string, out: string[]): string[] {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const at = `${path}.${key}`;
    if (!child.description) out.push(at);
    undescribed(child, at, out);
    if (child.items) undescribed(child.items, `${at}[]`, out);
    for (const variant of child.anyOf ?? []) undescribed(variant, at, out);
  }
  return out;
}

describe('alerts config', () => {
  it('fills every default from an empty object', () => {
    const config = defaultAlertsConfig();
    assert.equal(config.enabled, true);
    assert.equal(config.learningPeriodHours, 168);
    assert.equal(config.dedupWindowSeconds, 3600);
    assert.deepEqual(config.rules.rate, {
      enabled: true,
      severity: 'medium',
      windowSeconds: 60,
      multiplier: 5,
      minCalls: 30,
      minHistoryWindows: 30,
    });
    assert.equal(config.rules.denialBurst.severity, 'high');
    assert.equal(config.rules.errorBurst.severity, 'medium');
    assert.deepEqual(config.rules.riskySequence.privateRead, []);
    assert.equal(config.webhook, undefined);
  });

  it('keeps the defaults of the keys not given in a partial section', () => {
    const config = alertsSchema.parse({
      rules: { dataOut: { minBytes: 1024 } },
      webhook: { url: 'https://hooks.example/x', secret: { env: 'HOOK' } },
    });
    assert.equal(config.rules.dataOut.minBytes, 1024);
    assert.equal(config.rules.dataOut.multiplier, 10);
    assert.equal(config.rules.rate.minCalls, 30);
    assert.equal(config.webhook?.minSeverity, 'medium');
    assert.equal(config.webhook?.allowPrivateNetwork, false);
  });

  it('refuses unknown keys, empty matchers, literal secrets and non-http URLs', () => {
    assert.equal(alertsSchema.safeParse({ rules: { rate: { minCall: 3 } } }).success, false);
    assert.equal(alertsSchema.safeParse({ rules: { riskySequence: { sendsOut: [{}] } } }).success, false);
    assert.equal(
      alertsSchema.safeParse({ webhook: { url: 'https://h.example', secret: 's3cret' } }).success,
      false,
    );
    assert.equal(
      alertsSchema.safeParse({ webhook: { url: 'ftp://h.example', secret: { env: 'X' } } }).success,
      false,
    );
  });

  it('describes every key', () => {
    const schema = z.toJSONSchema(alertsSchema, { io: 'input' }) as Node;
    assert.deepEqual(undescribed(schema, 'alerts', []), []);
  });
});
