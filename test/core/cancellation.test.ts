// Cancellation both ways: a legacy notifications/cancelled and a closed modern stream both cancel the upstream
// request (which reports it), and the client gets no response for a cancelled legacy request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LegacyClient, modernRequest, rpcError } from '../helpers/mcp-client.ts';
import { fixtureServer, type Started, startRampart } from '../helpers/rampart.ts';

describe('cancellation through Rampart', () => {
  let gw: Started;
  before(async () => {
    gw = await startRampart({
      servers: [
        fixtureServer('fx', 'legacy', {
          timeouts: { requestMs: 1000, maxTotalMs: 60_000, connectMs: 10_000 },
        }),
      ],
    });
  });
  after(() => gw.stop());

  it('forwards a legacy client cancellation upstream and sends no response', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const upstream = gw.rampart.gateway.upstreams[0]!;
    const sent = recordUpstreamMessages(gw);
    const pending = client.request('tools/call', { name: 'fx__slow', arguments: { ms: 5000 } });
    // The call itself (a catalog fetch may briefly be in flight before it).
    const inFlight = await waitFor(() => {
      const call = upstream.soleInFlight();
      return call?.method === 'tools/call' ? call : undefined;
    });
    const note = await client.notify('notifications/cancelled', { requestId: 1, reason: 'test' });
    assert.equal(note.status, 202);
    const answer = await pending;
    assert.equal(answer.response, undefined);
    await waitFor(() => upstream.soleInFlight() === undefined);
    // The upstream was told, with Rampart's own id for the request (not the client's id 1).
    const cancel = sent.find((m) => m['method'] === 'notifications/cancelled');
    assert.ok(cancel, 'notifications/cancelled reached the upstream');
    assert.equal((cancel['params'] as Record<string, unknown>)['requestId'], inFlight.id);
    await client.close();
  });

  it('treats a closed modern response stream as cancellation', async () => {
    const upstream = gw.rampart.gateway.upstreams[0]!;
    const controller = new AbortController();
    const pending = modernRequest(
      gw.url,
      'tools/call',
      { name: 'fx__slow', arguments: { ms: 5000 } },
      { signal: controller.signal },
    );
    await waitFor(() => upstream.soleInFlight() !== undefined);
    controller.abort();
    await assert.rejects(pending);
    await waitFor(() => upstream.soleInFlight() === undefined);
    const event = await waitFor(() =>
      gw.events.find((e) => e.era === 'modern' && e.code === 'RAMPART_CANCELLED'),
    );
    assert.equal(event.decision, 'errored');
  });

  it('times out a silent upstream request, resetting the timer on progress', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    // 3 s of work with progress every 300 ms outlives the 1 s idle timeout because progress resets it.
    const withProgress = await client.request('tools/call', {
      name: 'fx__slow',
      arguments: { ms: 3000 },
      _meta: { progressToken: 7 },
    });
    assert.match(JSON.stringify(withProgress.response?.['result']), /slept 3000ms/);
    const progress = withProgress.messages.filter((m) => m.method === 'notifications/progress');
    assert.ok(progress.length >= 5);
    const silent = await client.request('tools/call', { name: 'fx__slow', arguments: { ms: 3000 } });
    assert.equal(rpcError(silent).data.code, 'RAMPART_UPSTREAM_TIMEOUT');
    await client.close();
  });
});

/** Captures every message Rampart sends to the (first) stdio upstream from now on. */
function recordUpstreamMessages(gw: Started): Array<Record<string, unknown>> {
  const sent: Array<Record<string, unknown>> = [];
  const upstream = gw.rampart.gateway.upstreams[0] as unknown as {
    peer: { transport: { send(m: Record<string, unknown>, o?: unknown): Promise<void> } };
  };
  const transport = upstream.peer.transport;
  const original = transport.send.bind(transport);
  transport.send = (m, o) => {
    sent.push(m);
    return original(m, o);
  };
  return sent;
}

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
