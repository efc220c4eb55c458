// Rate limits of a running gateway under a frozen clock, over HTTP in both eras: the burst passes, the next call
// is refused with RAMPART_RATE_LIMITED and a Retry-After of the exact seconds (HTTP 429 for a 2026-07-28
// request, HTTP 200 with the JSON-RPC error in a 2025-11-25 session), the refusal is in the audit log as denied
// by `rate-limit:<name>`, a refill lets one more call through; a used-up daily quota refuses until local
// midnight (Europe/Berlin) and allows again after it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { LegacyClient, modernRequest, rpcError } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';
import { wallClock } from '../policy/rate-limit/clock.ts';

/** Each test starts at 14:00 CEST on 2025-03-30, the 23-hour day Berlin springs forward (midnight is 22:00Z). */
const clock = wallClock('2025-03-30T12:00:00Z');

const RULES = [
  {
    name: 'echo-burst',
    match: { tools: ['fx__echo'] },
    rate: { tokens: 1, perSeconds: 10 },
    burst: 2,
  },
  {
    name: 'add-daily',
    match: { tools: ['fx__add'] },
    rate: { tokens: 100, perSeconds: 1 },
    daily: 3,
    timezone: 'Europe/Berlin',
  },
];

function echo(client: LegacyClient) {
  return client.request('tools/call', { name: 'fx__echo', arguments: { text: 'hi' } });
}

function add() {
  return modernRequest(gw.url, 'tools/call', { name: 'fx__add', arguments: { a: 1, b: 2 } });
}

let gw: Started;

describe('rate limits of a running gateway', () => {
  before(async () => {
    gw = await startRampart(
      { servers: [fixtureServer('fx', 'dual')], rateLimits: RULES },
      { now: clock.now },
    );
  });
  after(() => gw.stop());

  it('lets the burst through, refuses the next call with Retry-After, and refills (2025-11-25 session)', async () => {
    clock.set('2025-03-30T12:00:00Z');
    const client = new LegacyClient(gw.url);
    await client.initialize();
    for (let i = 0; i < 2; i++) {
      const ok = await echo(client);
      assert.equal(ok.status, 200);
      assert.ok(ok.response?.['result'], `burst call ${i} passes`);
      assert.equal(ok.headers['retry-after'], undefined);
    }
    const refused = await echo(client);
    assert.equal(refused.status, 200, 'legacy answers errors in a JSON-RPC response');
    const error = rpcError(refused);
    assert.equal(error.data.code, 'RAMPART_RATE_LIMITED');
    assert.equal(error.data['rule'], 'echo-burst');
    assert.equal(error.data['retryAfterSeconds'], 10);
    assert.equal(refused.headers['retry-after'], '10');
    const event = gw.events.at(-1)!;
    assert.equal(event.decision, 'denied');
    assert.equal(event.code, 'RAMPART_RATE_LIMITED');
    assert.ok(event.ruleIds.includes('rate-limit:echo-burst'));

    clock.advance(4000);
    const sooner = await echo(client);
    assert.equal(rpcError(sooner).data['retryAfterSeconds'], 6);
    assert.equal(sooner.headers['retry-after'], '6');

    clock.advance(6000); // ten seconds after the burst: one token
    assert.ok((await echo(client)).response?.['result'], 'the refilled token lets one call through');
    assert.equal(rpcError(await echo(client)).data.code, 'RAMPART_RATE_LIMITED');
  });

  it('refuses after the daily quota with 429 until local midnight, then allows again (2026-07-28)', async () => {
    clock.set('2025-03-30T12:00:00Z');
    for (let i = 0; i < 3; i++) {
      const ok = await add();
      assert.equal(ok.status, 200);
      assert.ok(ok.response?.['result'], `call ${i} of the quota passes`);
    }
    const refused = await add();
    assert.equal(refused.status, 429);
    assert.equal(rpcError(refused).data.code, 'RAMPART_RATE_LIMITED');
    assert.equal(rpcError(refused).data['rule'], 'add-daily');
    // 12:00Z to Berlin midnight (22:00Z): ten hours.
    assert.equal(refused.headers['retry-after'], String(10 * 3600));

    clock.set('2025-03-30T21:59:59Z');
    const lastSecond = await add();
    assert.equal(lastSecond.status, 429);
    assert.equal(lastSecond.headers['retry-after'], '1');

    clock.set('2025-03-30T22:00:00Z');
    const nextDay = await add();
    assert.equal(nextDay.status, 200);
    assert.ok(nextDay.response?.['result'], 'a new local day has a fresh quota');
  });

  it('records the refusals in the audit log as denied by the rule', async () => {
    const stateDir = path.dirname(gw.rampart.store.file);
    await gw.rampart.stop();
    const store = openAuditStore(stateDir);
    const denied: { ruleIds: unknown; code: unknown }[] = [];
    try {
      await store.read(async (reader) => {
        for await (const entry of reader.entries()) {
          const event = parseLeaf(entry.leaf)!.event;
          if (event['decision'] === 'denied') denied.push({ ruleIds: event['ruleIds'], code: event['code'] });
        }
      });
    } finally {
      await store.close();
    }
    const byRule = (rule: string) =>
      denied.filter((d) => Array.isArray(d.ruleIds) && d.ruleIds.includes(`rate-limit:${rule}`));
    assert.equal(byRule('echo-burst').length, 3);
    assert.equal(byRule('add-daily').length, 2);
    assert.ok(denied.every((d) => d.code === 'RAMPART_RATE_LIMITED'));
  });
});
