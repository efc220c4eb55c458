// The JSON-RPC envelope check classifies valid messages and rejects everything else with a stable code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { classifyMessage } from '../../src/core/jsonrpc.ts';
import { RampartError } from '../../src/errors.ts';

describe('JSON-RPC classification', () => {
  it('classifies requests, notifications and responses', () => {
    assert.equal(classifyMessage({ jsonrpc: '2.0', id: 1, method: 'ping' }).kind, 'request');
    assert.equal(
      classifyMessage({ jsonrpc: '2.0', method: 'notifications/initialized' }).kind,
      'notification',
    );
    assert.equal(classifyMessage({ jsonrpc: '2.0', id: 'a', result: {} }).kind, 'response');
    assert.equal(
      classifyMessage({ jsonrpc: '2.0', id: 'a', error: { code: 1, message: 'x' } }).kind,
      'response',
    );
  });

  it('rejects null ids, huge ids, unsafe integers and non-object params', () => {
    for (const bad of [
      { jsonrpc: '2.0', id: null, method: 'ping' },
      { jsonrpc: '2.0', id: 2 ** 60, method: 'ping' },
      { jsonrpc: '2.0', id: 'x'.repeat(10_000), method: 'ping' },
      { jsonrpc: '2.0', id: 1, method: 'ping', params: 'x' },
      { jsonrpc: '2.0', id: 1, result: 5 },
    ]) {
      assert.throws(() => classifyMessage(bad), { code: 'RAMPART_INVALID_REQUEST' });
    }
  });

  it('never throws anything but a RampartError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          classifyMessage(value);
        } catch (err) {
          assert.ok(err instanceof RampartError);
        }
      }),
    );
  });
});
