// DNS-rebinding protection accepts loopback Host/Origin values and configured ones, nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHostOrigin, createHostOriginPolicy } from '../../src/ingress/host-origin.ts';

describe('Host and Origin validation', () => {
  const policy = createHostOriginPolicy(['gateway.internal:8443'], ['https://console.internal']);

  it('accepts loopback hosts with or without a port', () => {
    for (const host of ['localhost', 'localhost:8787', '127.0.0.1:1', '[::1]:8787', 'LOCALHOST']) {
      assert.equal(checkHostOrigin(host, undefined, policy), undefined, host);
    }
  });

  it('refuses foreign or missing hosts', () => {
    for (const host of [
      undefined,
      'evil.com',
      'localhost.evil.com',
      '127.0.0.1.nip.io',
      'gateway.internal:9999',
    ]) {
      assert.equal(checkHostOrigin(host, undefined, policy), 'RAMPART_HOST_FORBIDDEN', String(host));
    }
    assert.equal(checkHostOrigin('gateway.internal:8443', undefined, policy), undefined);
  });

  it('accepts loopback and configured origins only', () => {
    assert.equal(checkHostOrigin('localhost', 'http://localhost:3000', policy), undefined);
    assert.equal(checkHostOrigin('localhost', 'https://console.internal', policy), undefined);
    for (const origin of ['https://evil.com', 'null', 'http://localhost.evil.com', 'file://localhost']) {
      assert.equal(checkHostOrigin('localhost', origin, policy), 'RAMPART_ORIGIN_FORBIDDEN', origin);
    }
  });
});
