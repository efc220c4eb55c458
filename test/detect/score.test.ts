import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding, Severity } from '../../src/detect/finding.ts';
import { METADATA_THRESHOLD, riskScore } from '../../src/detect/score.ts';

const f = (rule: string, severity: Severity): Finding => ({ rule, severity, evidence: 'x' });

describe('riskScore', () => {
  it('is 0 without findings and stays in [0, 1]', () => {
    assert.equal(riskScore([]), 0);
    const many = Array.from({ length: 50 }, (_, i) => f(`r.${i}`, 'critical'));
    const s = riskScore(many);
    assert.ok(s > 0.99 && s <= 1);
  });

  it('lets one strong finding suffice and keeps one weak finding below the threshold', () => {
    assert.ok(riskScore([f('a.x', 'high')]) >= METADATA_THRESHOLD);
    assert.ok(riskScore([f('a.x', 'medium')]) < METADATA_THRESHOLD);
    assert.ok(riskScore([f('a.x', 'low')]) < METADATA_THRESHOLD);
    assert.equal(riskScore([f('a.x', 'info')]), 0);
  });

  it('adds up weak signals of different rules', () => {
    assert.ok(riskScore([f('a.x', 'medium'), f('a.y', 'medium')]) >= METADATA_THRESHOLD);
    assert.ok(riskScore([f('a.x', 'medium'), f('a.y', 'low'), f('a.z', 'low')]) >= METADATA_THRESHOLD);
  });

  it('caps repeats of one rule just above its strongest finding', () => {
    const repeated = Array.from({ length: 10 }, () => f('a.x', 'low'));
    assert.ok(riskScore(repeated) <= 0.15 + 0.1 + 1e-9);
    assert.ok(riskScore(repeated) < METADATA_THRESHOLD);
  });

  it('is monotone: more evidence never lowers the score', () => {
    const base = [f('a.x', 'medium')];
    assert.ok(riskScore([...base, f('a.y', 'low')]) >= riskScore(base));
  });
});
