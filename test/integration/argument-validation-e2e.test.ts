// Arguments are validated against the tool's (pinned) input schema before they reach the server: a wrong type, a
// missing required property and an oversize string are refused with a code and the failing path; a valid call
// passes unchanged.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, rpcError } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';

const BUSINESS = path.join(REPO, 'test/fixtures/business-server.ts');

describe('argument validation through the gateway', () => {
  let gw: Started;
  let client: LegacyClient;
  before(async () => {
    gw = await startRampart({
      servers: [{ name: 'biz', command: NODE, args: [BUSINESS] }],
      validation: { maxStringLength: 1000 },
    });
    client = new LegacyClient(gw.url);
    await client.initialize();
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await gw?.stop();
  });

  const pay = (args: Record<string, unknown>) =>
    client.request('tools/call', { name: 'biz__pay', arguments: args });

  it('refuses a wrong type and a missing required property, naming the path', async () => {
    const wrong = rpcError(await pay({ amount: 'lots', currency: 'EUR' }));
    assert.equal(wrong.data?.['code'], 'RAMPART_ARGUMENT_INVALID');
    assert.equal(wrong.data?.['path'], '/amount');
    const missing = rpcError(await pay({ amount: 5 }));
    assert.equal(missing.data?.['code'], 'RAMPART_ARGUMENT_INVALID');
    assert.equal(missing.data?.['path'], '/currency');
  });

  it('refuses a string over the configured limit before the schema is consulted', async () => {
    const answer = rpcError(await pay({ amount: 5, currency: 'EUR', to: 'x'.repeat(2000) }));
    assert.equal(answer.data?.['code'], 'RAMPART_ARGUMENT_LIMIT');
    assert.ok(!JSON.stringify(answer).includes('x'.repeat(200)), 'the value is not echoed');
  });

  it('lets a valid call through unchanged', async () => {
    const result = await client.result('tools/call', {
      name: 'biz__pay',
      arguments: { amount: 5, currency: 'EUR', to: 'acme' },
    });
    assert.match(JSON.stringify(result), /"amount\\?":5/);
  });
});
