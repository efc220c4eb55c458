// Change notifications fan in from upstreams and out to the clients that asked: list_changed on legacy GET
// streams and on modern subscriptions/listen streams (acknowledged first, tagged with the subscription id),
// resource updates only to subscribers, with the exposed (mapped) URI.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, MODERN, modernMeta, modernRequest, openStream } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

const WATCHED = 'rampart://fx/test%3A%2F%2Fwatched-resource';

for (const era of ['legacy', 'modern'] as const)
  describe(`change notifications from a ${era} upstream`, () => {
    let gw: Started;
    before(async () => {
      gw = await startRampart({ servers: [fixtureServer('fx', era)] });
      assert.equal(gw.rampart.gateway.upstreams[0]!.era, era);
    });
    after(() => gw.stop());

    it('delivers tools/list_changed to a legacy session GET stream and refreshes the catalog', async () => {
      const watcher = new LegacyClient(gw.url);
      await watcher.initialize();
      const stream = await openStream(gw.url, { method: 'GET', headers: watcher.headers() });
      assert.equal(stream.status, 200);
      const actor = new LegacyClient(gw.url);
      await actor.initialize();
      await actor.result('tools/call', { name: 'fx__test_trigger_tool_change', arguments: {} });
      await stream.next((m) => m.method === 'notifications/tools/list_changed');
      stream.close();
      await Promise.all([watcher.close(), actor.close()]);
    });

    it('delivers resource updates to subscribed legacy sessions only, with the mapped URI', async () => {
      const subscriber = new LegacyClient(gw.url);
      await subscriber.initialize();
      const stream = await openStream(gw.url, { method: 'GET', headers: subscriber.headers() });
      const bystander = new LegacyClient(gw.url);
      await bystander.initialize();
      const quiet = await openStream(gw.url, { method: 'GET', headers: bystander.headers() });
      const resources = (await subscriber.result('resources/list'))['resources'] as Array<{ uri: string }>;
      assert.ok(resources.some((r) => r.uri === WATCHED));
      await subscriber.result('resources/subscribe', { uri: WATCHED });
      await bystander.result('tools/call', { name: 'fx__touch_resource', arguments: {} });
      const update = await stream.next((m) => m.method === 'notifications/resources/updated');
      assert.equal((update['params'] as { uri: string }).uri, WATCHED);
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(!quiet.messages.some((m) => m.method === 'notifications/resources/updated'));
      stream.close();
      quiet.close();
      await Promise.all([subscriber.close(), bystander.close()]);
    });

    it('acknowledges a modern listen first, then sends only what it asked for, tagged with its id', async () => {
      const listen = await openStream(gw.url, {
        method: 'POST',
        headers: { 'mcp-protocol-version': MODERN, 'mcp-method': 'subscriptions/listen' },
        body: {
          jsonrpc: '2.0',
          id: 'listen-1',
          method: 'subscriptions/listen',
          params: {
            _meta: modernMeta(),
            notifications: { toolsListChanged: true, resourceSubscriptions: [WATCHED] },
          },
        },
      });
      const ack = await listen.next(() => true);
      assert.equal(ack.method, 'notifications/subscriptions/acknowledged');
      const ackParams = ack['params'] as {
        notifications: Record<string, unknown>;
        _meta: Record<string, unknown>;
      };
      assert.equal(ackParams._meta['io.modelcontextprotocol/subscriptionId'], 'listen-1');
      assert.deepEqual(ackParams.notifications, { toolsListChanged: true, resourceSubscriptions: [WATCHED] });
      await modernRequest(gw.url, 'tools/call', { name: 'fx__test_trigger_prompt_change', arguments: {} });
      await modernRequest(gw.url, 'tools/call', { name: 'fx__test_trigger_tool_change', arguments: {} });
      await modernRequest(gw.url, 'tools/call', { name: 'fx__touch_resource', arguments: {} });
      const changed = await listen.next((m) => m.method === 'notifications/tools/list_changed');
      assert.equal(
        (changed['params'] as { _meta: Record<string, unknown> })._meta[
          'io.modelcontextprotocol/subscriptionId'
        ],
        'listen-1',
      );
      const updated = await listen.next((m) => m.method === 'notifications/resources/updated');
      assert.equal((updated['params'] as { uri: string }).uri, WATCHED);
      assert.ok(!listen.messages.some((m) => m.method === 'notifications/prompts/list_changed'));
      listen.close();
    });
  });
