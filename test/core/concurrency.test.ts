// Many clients of both eras share one upstream connection; Rampart's own ids keep every answer with its caller.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('concurrency', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({ servers: [fixtureServer('fx', 'legacy')] });
  });
  after(() => gw.stop());

  it('keeps 32 sessions x 20 interleaved calls and 200 modern calls apart, all with the same client ids', async () => {
    const sessions = await Promise.all(
      Array.from({ length: 32 }, async (_, n) => {
        const client = new LegacyClient(gw.url);
        await client.initialize();
        return { client, n };
      }),
    );
    const legacy = sessions.flatMap(({ client, n }) =>
      Array.from({ length: 20 }, async (_, k) => {
        const text = `s${n}-c${k}`;
        const answer = await client.request('tools/call', { name: 'fx__echo', arguments: { text } });
        assert.equal(
          JSON.stringify(answer.response?.['result']),
          JSON.stringify({ content: [{ type: 'text', text }] }),
        );
      }),
    );
    const modern = Array.from({ length: 200 }, async (_, k) => {
      const text = `m${k}`;
      const answer = await modernRequest(gw.url, 'tools/call', { name: 'fx__echo', arguments: { text } });
      const result = answer.response?.['result'] as { content: Array<{ text: string }> };
      assert.equal(result.content[0]!.text, text);
    });
    await Promise.all([...legacy, ...modern]);
    await Promise.all(sessions.map(({ client }) => client.close()));
    assert.equal(gw.rampart.gateway.upstreams[0]!.soleInFlight(), undefined);
  });
});
