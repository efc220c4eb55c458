// Which servers `rampart review` reports as unsandboxed: only stdio servers whose entry says `sandbox: off` (every
// other stdio server runs confined or does not start); HTTP servers are not Rampart's to sandbox.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serverSchema } from '../../src/config/schema.ts';
import { runsUnsandboxed } from '../../src/review/server-posture.ts';

describe('runsUnsandboxed', () => {
  it('is true only for an explicit sandbox: off', () => {
    assert.equal(runsUnsandboxed(serverSchema.parse({ name: 'a', command: 'node', sandbox: 'off' })), true);
    assert.equal(runsUnsandboxed(serverSchema.parse({ name: 'a', command: 'node' })), false);
    assert.equal(
      runsUnsandboxed(serverSchema.parse({ name: 'a', command: 'node', sandbox: { network: 'none' } })),
      false,
    );
    assert.equal(runsUnsandboxed(serverSchema.parse({ name: 'a', url: 'http://127.0.0.1:1/mcp' })), false);
  });
});
