// The JSON-RPC peer toward an upstream, over an in-memory transport: its own ids and progress tokens, timeouts
// reset by progress but bounded in total, cancellation sent upstream, and upstream cancellation of its own
// server-to-client request reaching the handler.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject, JsonRpcMessage, JsonRpcRequest } from '../../src/core/jsonrpc.ts';
import { type IncomingHandlers, RpcPeer } from '../../src/upstream/rpc-peer.ts';
import type { MessageTransport, TransportHandlers } from '../../src/upstream/transport.ts';

class MemoryTransport implements MessageTransport {
  readonly sent: JsonRpcMessage[] = [];
  handlers: TransportHandlers | undefined;
  async start(handlers: TransportHandlers) {
    this.handlers = handlers;
  }
  async send(message: JsonRpcMessage) {
    this.sent.push(message);
  }
  async close() {}
  deliver(message: Record<string, unknown>) {
    this.handlers!.onMessage(message as unknown as JsonRpcMessage);
  }
}

function handlers(overrides: Partial<IncomingHandlers> = {}): IncomingHandlers {
  return {
    onRequest: async () => ({}),
    onNotification: () => undefined,
    onClose: () => undefined,
    ...overrides,
  };
}

async function setup(overrides: Partial<IncomingHandlers> = {}) {
  const transport = new MemoryTransport();
  const peer = new RpcPeer(transport, handlers(overrides));
  await peer.start();
  return { transport, peer };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RpcPeer', () => {
  it('uses its own ids and progress tokens and maps progress back to the caller', async () => {
    const { transport, peer } = await setup();
    const progress: JsonObject[] = [];
    const pending = peer.request(
      'tools/call',
      { name: 't', _meta: { progressToken: 'client-token', other: 1 } },
      {
        timeoutMs: 1000,
        maxTotalMs: 5000,
        onProgress: (p) => progress.push(p),
      },
    );
    const sent = transport.sent[0] as JsonRpcRequest;
    assert.equal(typeof sent.id, 'number');
    const meta = sent.params?.['_meta'] as Record<string, unknown>;
    assert.equal(meta['progressToken'], `rampart-${sent.id}`);
    assert.equal(meta['other'], 1);
    transport.deliver({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: meta['progressToken'], progress: 1 },
    });
    transport.deliver({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 'someone-else', progress: 9 },
    });
    transport.deliver({ jsonrpc: '2.0', id: sent.id, result: { ok: true } });
    assert.deepEqual(await pending, { ok: true });
    assert.equal(progress.length, 1);
    assert.equal(progress[0]!['progress'], 1);
  });

  it('times out a silent request and sends notifications/cancelled upstream', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { transport, peer } = await setup();
    const pending = peer.request('slow', undefined, { timeoutMs: 100, maxTotalMs: 10_000 });
    t.mock.timers.tick(101);
    await assert.rejects(pending, { code: 'RAMPART_UPSTREAM_TIMEOUT' });
    await tick();
    const cancel = transport.sent.at(-1) as unknown as { method: string; params: { requestId: number } };
    assert.equal(cancel.method, 'notifications/cancelled');
    assert.equal(cancel.params.requestId, (transport.sent[0] as JsonRpcRequest).id);
  });

  it('resets the idle timeout on progress but enforces the total maximum', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { transport, peer } = await setup();
    const pending = peer.request('slow', undefined, {
      timeoutMs: 100,
      maxTotalMs: 250,
      onProgress: () => undefined,
    });
    const meta = (transport.sent[0] as JsonRpcRequest).params!['_meta'] as Record<string, unknown>;
    const token = meta['progressToken'];
    let settled = false;
    pending.catch(() => {
      settled = true;
    });
    for (let i = 0; i < 2; i++) {
      t.mock.timers.tick(90);
      transport.deliver({
        jsonrpc: '2.0',
        method: 'notifications/progress',
        params: { progressToken: token, progress: i },
      });
    }
    await tick();
    assert.equal(settled, false, 'progress kept the request alive past the idle timeout');
    t.mock.timers.tick(80);
    await assert.rejects(pending, { code: 'RAMPART_UPSTREAM_TIMEOUT' });
  });

  it('cancels upstream when the caller aborts, and ignores the late answer', async () => {
    const { transport, peer } = await setup();
    const controller = new AbortController();
    const pending = peer.request('slow', undefined, {
      timeoutMs: 1000,
      maxTotalMs: 1000,
      signal: controller.signal,
    });
    controller.abort();
    await assert.rejects(pending, { code: 'RAMPART_CANCELLED' });
    await tick();
    const id = (transport.sent[0] as JsonRpcRequest).id;
    assert.deepEqual(transport.sent[1], {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id, reason: 'cancelled by the client' },
    });
    transport.deliver({ jsonrpc: '2.0', id, result: {} });
    assert.equal(peer.inFlight, 0);
  });

  it('attributes a server request to the outgoing call and aborts it when the upstream cancels it', async () => {
    let seenSignal: AbortSignal | undefined;
    let relatedMethod: string | undefined;
    const { transport, peer } = await setup({
      onRequest: (_request, related, signal) => {
        seenSignal = signal;
        relatedMethod = related?.method;
        return new Promise(() => undefined);
      },
    });
    const call = peer.request('tools/call', undefined, {
      timeoutMs: 1000,
      maxTotalMs: 1000,
      owner: 'caller',
    });
    const outgoing = (transport.sent[0] as JsonRpcRequest).id;
    transport.handlers!.onMessage(
      { jsonrpc: '2.0', id: 'srv-1', method: 'sampling/createMessage', params: {} },
      outgoing,
    );
    assert.equal(relatedMethod, 'tools/call');
    transport.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'srv-1' } });
    assert.equal(seenSignal?.aborted, true);
    transport.deliver({ jsonrpc: '2.0', id: outgoing, result: {} });
    assert.deepEqual(await call, {});
  });

  it('fails every pending request when the connection closes', async () => {
    const { transport, peer } = await setup();
    const a = peer.request('a', undefined, { timeoutMs: 1000, maxTotalMs: 1000 });
    const b = peer.request('b', undefined, { timeoutMs: 1000, maxTotalMs: 1000 });
    transport.handlers!.onClose(new Error('exit'));
    await assert.rejects(a, { code: 'RAMPART_UPSTREAM_CRASHED' });
    await assert.rejects(b, { code: 'RAMPART_UPSTREAM_CRASHED' });
  });
});
