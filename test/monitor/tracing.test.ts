// Spans as an exporter receives them: one request span under the caller's context, one child per measured phase
// laid out in order inside it, the upstream span matching the traceparent sent upstream; and the disabled path,
// which loads no OpenTelemetry and passes a caller's context through unchanged.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { HrTime } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { type Guard, Pipeline, type RequestEvent } from '../../src/guards/pipeline.ts';
import { incomingTraceContext, parseTraceparent, type TraceHeaders } from '../../src/monitor/traceparent.ts';
import { createTracing } from '../../src/monitor/tracing.ts';
import { downstreamCall, requestEvent } from './events.ts';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const CALLER = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;

const ms = (time: HrTime) => time[0] * 1e3 + time[1] / 1e6;

async function traced(options: { trustIncoming?: boolean } = {}) {
  const exporter = new InMemorySpanExporter();
  const tracing = await createTracing({ exporter, ...options });
  return { exporter, tracing };
}

function byName(spans: ReadableSpan[]): Map<string, ReadableSpan> {
  return new Map(spans.map((span) => [span.name, span]));
}

describe('request tracing', () => {
  it('exports one request span under the caller and one child span per phase, in order', async () => {
    const { exporter, tracing } = await traced();
    assert.equal(tracing.enabled, true);
    // Wired as the integration will be: the span starts with the pipeline, the forward takes the upstream
    // headers, the event sink ends the span.
    const call = downstreamCall();
    const events: RequestEvent[] = [];
    const slow = (name: string, phase: Guard['phase']): Guard => ({
      name,
      phase,
      check: async () => {
        await sleep(2);
        return { kind: 'pass' };
      },
    });
    const pipeline = new Pipeline([slow('a', 'authenticate'), slow('r', 'request'), slow('s', 'response')], {
      record: (event) => {
        events.push(event);
        span.end(event);
      },
    });
    const sent: TraceHeaders[] = [];
    let upstreamWork = 0;
    const span = tracing.startRequest(
      incomingTraceContext({ traceparent: CALLER, tracestate: 'v=1' }, undefined),
    );
    assert.equal(span.traceId, CALLER_TRACE);
    await pipeline.run(call, async () => {
      await sleep(1);
      return async () => {
        sent.push(span.outgoing()!, span.outgoing()!);
        // A 4 ms timer may fire a little early by the high-resolution clock (libuv caches its loop time): the span
        // is held to what the upstream work really took, measured here on the clock the spans use.
        const before = performance.now();
        await sleep(4);
        upstreamWork = performance.now() - before;
        return {};
      };
    });
    assert.deepEqual(sent[0], sent[1], 'every upstream call of the request gets the same parent');
    span.end(events[0]!); // idempotent
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(spans.map((s) => s.name).sort(), [
      'authenticate',
      'request',
      'response',
      'route',
      'tools/call fs__read',
      'upstream',
    ]);
    const named = byName(spans);
    const root = named.get('tools/call fs__read')!;
    const rootId = root.spanContext().spanId;
    assert.equal(root.kind, SpanKind.SERVER);
    assert.equal(root.spanContext().traceId, CALLER_TRACE);
    assert.equal(root.parentSpanContext?.spanId, CALLER_SPAN);
    assert.equal(root.parentSpanContext?.isRemote, true);
    assert.deepEqual(root.attributes, {
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': '7',
      'rampart.era': 'legacy',
      'rampart.decision': 'allowed',
      'rampart.server': 'fs',
      'gen_ai.tool.name': 'fs__read',
      'rampart.principal.issuer': 'https://idp.example',
      'rampart.principal.subject': 'alice',
      'rampart.principal.client_id': 'cli',
    });
    assert.equal(root.status.code, SpanStatusCode.UNSET);

    const timings = events[0]!.timings;
    const slack = 0.05; // ms: the bookkeeping between phases that the pipeline does not time
    const phases = (['authenticate', 'route', 'request', 'upstream', 'response'] as const).map(
      (n) => named.get(n)!,
    );
    for (const phase of phases) {
      assert.equal(phase.spanContext().traceId, CALLER_TRACE);
      assert.equal(phase.parentSpanContext?.spanId, rootId, `${phase.name} is a child of the request span`);
      assert.equal(phase.attributes['rampart.phase'], phase.name);
      assert.ok(ms(phase.startTime) >= ms(root.startTime) - slack, `${phase.name} starts inside the request`);
      assert.ok(ms(phase.endTime) <= ms(root.endTime) + slack, `${phase.name} ends inside the request`);
    }
    for (let i = 1; i < phases.length; i++) {
      assert.ok(ms(phases[i]!.startTime) >= ms(phases[i - 1]!.endTime) - slack, `${phases[i]!.name} follows`);
    }
    for (const phase of [phases[0]!, phases[1]!, phases[2]!, phases[4]!]) {
      const measured = timings[phase.name as keyof typeof timings]!;
      assert.ok(Math.abs(ms(phase.duration) - measured) < 0.01, `${phase.name} lasted its measured time`);
    }

    // What went upstream names Rampart's upstream span as the parent, in the caller's trace, with its tracestate.
    const upstream = named.get('upstream')!;
    assert.equal(upstream.kind, SpanKind.CLIENT);
    assert.equal(upstream.attributes['rampart.server'], 'fs');
    assert.ok(upstreamWork > 0);
    assert.ok(
      ms(upstream.duration) >= upstreamWork - slack && ms(upstream.duration) <= timings.upstream! + slack,
    );
    assert.deepEqual(parseTraceparent(sent[0]!.traceparent), {
      traceId: CALLER_TRACE,
      spanId: upstream.spanContext().spanId,
      flags: 1,
    });
    assert.equal(sent[0]!.tracestate, 'v=1');
  });

  it('with phaseSpans false, keeps only the request span and the upstream span', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = await createTracing({ exporter, phaseSpans: false });
    const span = tracing.startRequest(undefined);
    span.outgoing();
    span.end(requestEvent());
    const spans = exporter.getFinishedSpans();
    assert.deepEqual(spans.map((s) => s.name).sort(), ['tools/call fs__read', 'upstream']);
  });

  it('starts a new trace without an incoming context', async () => {
    const { exporter, tracing } = await traced();
    const span = tracing.startRequest(undefined);
    span.end(requestEvent({ method: 'tools/list', name: undefined, timings: { route: 0.1, totalMs: 0.2 } }));
    const [route, root] = exporter.getFinishedSpans();
    assert.equal(root!.name, 'tools/list');
    assert.equal(root!.parentSpanContext, undefined);
    assert.notEqual(root!.spanContext().traceId, CALLER_TRACE);
    assert.equal(span.traceId, root!.spanContext().traceId);
    assert.equal(route!.parentSpanContext?.spanId, root!.spanContext().spanId);
  });

  it('marks the phase that denied, and errors on the request and a failed upstream call', async () => {
    const { exporter, tracing } = await traced();
    tracing.startRequest(undefined).end(
      requestEvent({
        decision: 'denied',
        code: 'RAMPART_POLICY_DENIED',
        ruleIds: ['policy:no-shell'],
        timings: { authenticate: 0.1, route: 0.1, request: 0.2, totalMs: 0.5 },
      }),
    );
    let named = byName(exporter.getFinishedSpans());
    assert.equal(named.get('request')?.attributes['rampart.decision'], 'denied');
    assert.equal(named.get('route')?.attributes['rampart.decision'], undefined);
    const denied = named.get('tools/call fs__read')!;
    assert.equal(denied.status.code, SpanStatusCode.UNSET, 'a denial is not a gateway error');
    assert.deepEqual(denied.attributes['rampart.rule_ids'], ['policy:no-shell']);

    exporter.reset();
    const failing = tracing.startRequest(undefined);
    failing.outgoing();
    // The pipeline records no upstream timing when the upstream call throws.
    failing.end(
      requestEvent({
        decision: 'errored',
        code: 'upstream:-32603',
        timings: { route: 0.1, request: 0.1, totalMs: 5 },
      }),
    );
    named = byName(exporter.getFinishedSpans());
    assert.equal(named.get('upstream')?.status.code, SpanStatusCode.ERROR);
    const errored = named.get('tools/call fs__read')!;
    assert.equal(errored.status.code, SpanStatusCode.ERROR);
    assert.equal(errored.attributes['error.type'], 'upstream:-32603');
  });

  it('follows the caller when it did not sample: nothing is exported, the decision travels on', async () => {
    const { exporter, tracing } = await traced();
    const span = tracing.startRequest(
      incomingTraceContext({ traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-00` }, undefined),
    );
    const sent = parseTraceparent(span.outgoing()!.traceparent)!;
    span.end(requestEvent());
    assert.equal(exporter.getFinishedSpans().length, 0);
    assert.equal(sent.traceId, CALLER_TRACE);
    assert.equal(sent.flags, 0);
    assert.notEqual(sent.spanId, CALLER_SPAN);
  });

  it('with trustIncoming false, starts its own trace and only links to the caller', async () => {
    const { exporter, tracing } = await traced({ trustIncoming: false });
    const span = tracing.startRequest(incomingTraceContext(undefined, { _meta: { traceparent: CALLER } }));
    const sent = parseTraceparent(span.outgoing()!.traceparent)!;
    span.end(requestEvent());
    const root = byName(exporter.getFinishedSpans()).get('tools/call fs__read')!;
    assert.notEqual(root.spanContext().traceId, CALLER_TRACE);
    assert.equal(root.parentSpanContext, undefined);
    assert.equal(root.links[0]?.context.traceId, CALLER_TRACE);
    assert.equal(sent.traceId, root.spanContext().traceId);
  });
});

describe('tracing disabled', () => {
  it('passes a valid incoming context through unchanged, and nothing otherwise', async () => {
    const tracing = await createTracing({});
    assert.equal(tracing.enabled, false);
    const span = tracing.startRequest(
      incomingTraceContext({ traceparent: CALLER, tracestate: 'v=1' }, undefined),
    );
    assert.equal(span.traceId, CALLER_TRACE);
    assert.deepEqual(span.outgoing(), { traceparent: CALLER, tracestate: 'v=1' });
    span.end(requestEvent());
    assert.equal(tracing.startRequest(undefined).outgoing(), undefined);
    const distrusting = await createTracing({ trustIncoming: false });
    assert.equal(
      distrusting.startRequest(incomingTraceContext({ traceparent: CALLER }, undefined)).outgoing(),
      undefined,
    );
  });

  it('loads no OpenTelemetry module unless tracing is on', async () => {
    // A fresh process records every module it resolves; the test process itself has OpenTelemetry loaded.
    const script = `
      import { registerHooks } from 'node:module';
      const loaded = [];
      registerHooks({ resolve(specifier, context, next) {
        const result = next(specifier, context);
        if (result.url.includes('@opentelemetry')) loaded.push(result.url);
        return result;
      } });
      const { createTracing } = await import(${JSON.stringify(new URL('../../src/monitor/tracing.ts', import.meta.url).href)});
      await createTracing({});
      const off = loaded.length;
      const { InMemorySpanExporter } = await import('@opentelemetry/sdk-trace');
      await createTracing({ exporter: new InMemorySpanExporter() });
      console.log(JSON.stringify({ off, on: loaded.length, otlp: loaded.some((u) => u.includes('exporter-trace-otlp-http')) }));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    const result = JSON.parse(stdout) as { off: number; on: number; otlp: boolean };
    assert.equal(result.off, 0, 'tracing off loaded OpenTelemetry');
    assert.ok(result.on > 0);
    assert.equal(result.otlp, false, 'an in-memory exporter does not load the OTLP exporter');
  });
});

describe('OTLP/HTTP export', () => {
  it('sends the spans to the configured endpoint on shutdown', async () => {
    const received: Array<{ path: string | undefined; type: string | undefined; body: string }> = [];
    const collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          path: req.url,
          type: req.headers['content-type'],
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      const tracing = await createTracing({
        endpoint: `http://127.0.0.1:${port}`,
        headers: { 'x-api-key': 'k' },
      });
      const span = tracing.startRequest(incomingTraceContext({ traceparent: CALLER }, undefined));
      span.outgoing();
      span.end(requestEvent());
      await tracing.shutdown();
      assert.equal(received.length, 1);
      assert.equal(received[0]!.path, '/v1/traces');
      assert.match(received[0]!.type ?? '', /application\/json/);
      const body = received[0]!.body;
      assert.match(body, new RegExp(CALLER_TRACE));
      assert.match(body, /"rampart\.principal\.subject"/);
      assert.match(body, /"service\.name".*"rampart"/);
    } finally {
      collector.close();
    }
  });
});
