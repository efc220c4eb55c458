// W3C trace context through a running Rampart: a caller's `traceparent` header continues into Rampart's spans
// (exported over OTLP/HTTP to a local receiver), reaches an HTTP upstream as headers (and `_meta`) and a stdio
// upstream in `_meta`, with Rampart's upstream span as the parent; the audit event carries the trace id.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseLeaf } from '../../src/audit/chain.ts';
import { openAuditStore } from '../../src/audit/open.ts';
import { parseTraceparent } from '../../src/monitor/traceparent.ts';
import { LegacyClient } from '../helpers/mcp-client.ts';
import { NODE, REPO, type Started, startRampart } from '../helpers/rampart.ts';
import { type RecordingUpstream, startRecordingUpstream } from '../helpers/recording-upstream.ts';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const META_ECHO = path.join(REPO, 'test/fixtures/meta-echo-server.ts');

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** An OTLP/HTTP JSON traces receiver: every span it was sent. */
async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const payload = JSON.parse(body) as {
        resourceSpans: Array<{ scopeSpans: Array<{ spans: ExportedSpan[] }> }>;
      };
      for (const resource of payload.resourceSpans)
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/v1/traces`, spans, server };
}

describe('trace propagation through Rampart', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let upstream: RecordingUpstream;
  let gw: Started;

  before(async () => {
    collector = await startCollector();
    upstream = await startRecordingUpstream();
    gw = await startRampart({
      servers: [
        { name: 'rec', url: upstream.url },
        { name: 'meta', command: NODE, args: [META_ECHO] },
      ],
      tracing: { endpoint: collector.url },
    });
  });

  after(async () => {
    await gw?.stop();
    upstream?.server.close();
    collector?.server.close();
  });

  it('continues the caller trace to HTTP and stdio upstreams and into the audit event', async () => {
    const client = new LegacyClient(gw.url);
    await client.initialize();
    const viaHttp = await client.request(
      'tools/call',
      { name: 'rec__echo', arguments: {} },
      { headers: { traceparent: CALLER } },
    );
    assert.ok(viaHttp.response?.['result'], JSON.stringify(viaHttp.response));
    const call = upstream.bodies.findLast((m) => m.method === 'tools/call')!;
    const headers = call.headers;
    const sent = parseTraceparent(headers['traceparent']);
    assert.ok(sent, 'the HTTP upstream got a traceparent header');
    assert.equal(sent.traceId, CALLER_TRACE, 'same trace as the caller');
    assert.notEqual(sent.spanId, CALLER_SPAN, "Rampart's own upstream span is the parent");
    const meta = call.params?.['_meta'] as Record<string, unknown>;
    assert.equal(meta['traceparent'], headers['traceparent'], '_meta carries the same context');

    // stdio: a caller's own `_meta.traceparent` is the incoming context; the upstream gets Rampart's child.
    const viaStdio = await client.result('tools/call', {
      name: 'meta__meta',
      arguments: {},
      _meta: { traceparent: CALLER },
    });
    const content = viaStdio['content'] as Array<{ text: string }>;
    const echoed = JSON.parse(content[0]!.text) as Record<string, unknown>;
    const stdioSent = parseTraceparent(echoed['traceparent']);
    assert.ok(stdioSent, `the stdio upstream got _meta.traceparent: ${content[0]!.text}`);
    assert.equal(stdioSent.traceId, CALLER_TRACE);
    assert.notEqual(stdioSent.spanId, CALLER_SPAN);

    // Spans are flushed on shutdown; the upstream span is the parent the upstreams were given.
    const stateDir = path.dirname(gw.rampart.store.file);
    await gw.rampart.stop();
    const mine = collector.spans.filter((s) => s.traceId === CALLER_TRACE);
    const requestSpans = mine.filter((s) => s.parentSpanId === CALLER_SPAN);
    assert.equal(requestSpans.length, 2, 'one request span per call, under the caller');
    const upstreamSpans = mine.filter((s) => s.name === 'upstream').map((s) => s.spanId);
    assert.ok(upstreamSpans.includes(sent.spanId), 'HTTP upstream parent is an exported span');
    assert.ok(upstreamSpans.includes(stdioSent.spanId), 'stdio upstream parent is an exported span');

    const store = openAuditStore(stateDir);
    const traced = await store.read(async (reader) => {
      const ids: unknown[] = [];
      for await (const entry of reader.entries()) {
        const event = parseLeaf(entry.leaf)!.event;
        if (event['method'] === 'tools/call') ids.push(event['traceId']);
      }
      return ids;
    });
    await store.close();
    assert.deepEqual(traced, [CALLER_TRACE, CALLER_TRACE]);
  });
});
