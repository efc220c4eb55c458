// The vault's guards: a canary in a call's params or in its result denies with RAMPART_CANARY_DETECTED and reports
// the canary's name (for the alert and the event, not the caller); secret values in a result are redacted.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RampartError } from '../../src/errors.ts';
import {
  type CanaryHit,
  createCanaryGuard,
  createRelayScreen,
  createSecretExposureGuard,
} from '../../src/guards/vault-guard.ts';
import { ExposureMatcher } from '../../src/vault/exposure.ts';
import { downstreamCall } from '../helpers/downstream-call.ts';

const matcher = new ExposureMatcher([
  { name: 'TOKEN', kind: 'secret', value: 'secret-value-123' },
  { name: 'BAIT', kind: 'canary', value: 'AKIAFAKECANARY00001' },
]);

describe('vault guards', () => {
  it('blocks a call whose arguments carry a canary', async () => {
    const hits: CanaryHit[] = [];
    const guard = createCanaryGuard(matcher, (hit) => hits.push(hit));
    const params = { name: 'fx__send', arguments: { body: 'keys: AKIAFAKECANARY00001' } };
    const result = await guard.check({ call: downstreamCall(params), value: params });
    assert.equal(guard.phase, 'request');
    assert.equal(result.kind, 'deny');
    assert.equal(result.kind === 'deny' && result.code, 'RAMPART_CANARY_DETECTED');
    assert.equal(result.kind === 'deny' && result.ruleId, 'vault:canary');
    assert.deepEqual(result.kind === 'deny' && result.ruleIds, ['vault:canary:BAIT']);
    assert.equal(result.kind === 'deny' && result.data, undefined, 'the caller is not told which canary');
    assert.deepEqual(
      hits.map((h) => [h.canaries, h.direction]),
      [[['BAIT'], 'request']],
    );
  });

  it('passes a call without canaries, even one carrying a secret value (only canaries are refused)', async () => {
    const guard = createCanaryGuard(matcher, () => assert.fail('no canary'));
    const params = { name: 'fx__send', arguments: { body: 'secret-value-123' } };
    assert.deepEqual(await guard.check({ call: downstreamCall(params), value: params }), { kind: 'pass' });
  });

  it('withholds a result carrying a canary and redacts secrets from any other', async () => {
    const hits: CanaryHit[] = [];
    const guard = createSecretExposureGuard(matcher, (hit) => hits.push(hit));
    const call = downstreamCall({ name: 'fx__read' });
    const bait = { content: [{ type: 'text', text: 'AKIAFAKECANARY00001' }] };
    const denied = await guard.check({ call, value: bait });
    assert.equal(denied.kind === 'deny' && denied.code, 'RAMPART_CANARY_DETECTED');
    assert.equal(hits[0]?.direction, 'response');
    const leaky = {
      content: [{ type: 'text', text: 'the key is secret-value-123' }],
      _meta: { k: 'secret-value-123' },
    };
    assert.deepEqual(await guard.check({ call, value: leaky }), {
      kind: 'mutate',
      value: {
        content: [{ type: 'text', text: 'the key is [REDACTED:TOKEN]' }],
        _meta: { k: '[REDACTED:TOKEN]' },
      },
      ruleIds: ['vault:redacted:TOKEN'],
    });
    assert.deepEqual(await guard.check({ call, value: { content: [] } }), { kind: 'pass' });
  });

  it('redacts upstream messages outside results and withholds one carrying a canary', () => {
    const hits: CanaryHit[] = [];
    const screen = createRelayScreen(matcher, (hit) => hits.push(hit));
    const call = downstreamCall({ name: 'fx__read' });
    const log = {
      method: 'notifications/message',
      params: { level: 'info', data: { k: 'secret-value-123' } },
    };
    assert.deepEqual(screen.screen(log, { server: 'fx', method: log.method, call }), {
      method: 'notifications/message',
      params: { level: 'info', data: { k: '[REDACTED:TOKEN]' } },
    });
    const clean = { code: -32000, message: 'nothing here' };
    assert.equal(
      screen.screen(clean, { server: 'fx', method: 'tools/call', call }),
      clean,
      'passed as it is',
    );
    const withheld = screen.screen(
      { code: -32000, message: 'see AKIAFAKECANARY00001' },
      { server: 'fx', method: 'tools/call', call: undefined },
    );
    assert.ok(withheld instanceof RampartError);
    assert.equal(withheld.code, 'RAMPART_CANARY_DETECTED');
    assert.ok(!withheld.message.includes('BAIT'), 'the client is not told which canary');
    assert.deepEqual(
      hits.map((h) => [h.canaries, h.direction, h.call, h.carrier]),
      [[['BAIT'], 'upstream', undefined, { server: 'fx', method: 'tools/call' }]],
    );
  });
});
