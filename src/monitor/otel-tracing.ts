// The OpenTelemetry-backed Tracing. Imported only by createTracing when an endpoint (or a test exporter) is
// configured, so a Rampart without tracing never loads the SDK. It uses its own TracerProvider and passes parent
// contexts explicitly: it registers no context manager and no global provider, so it cannot change how other
// OpenTelemetry users in the process behave (the one global it sets is the diagnostic logger, given a log).

import type { Attributes, Context, Link, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { DiagLogLevel, diag, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { RAMPART_INFO } from '../core/protocol.ts';
import type { RequestEvent } from '../guards/pipeline.ts';
import type { Logger } from './logger.ts';
import { methodLabel } from './metric-labels.ts';
import { phaseTimeline } from './phase-timeline.ts';
import type { TraceContext, TraceHeaders } from './traceparent.ts';
import { traceHeaders } from './traceparent.ts';
import type { RequestSpan, Tracing, TracingOptions } from './tracing.ts';

/** Attribute values include client-chosen strings (method, tool name): cap them. */
const ATTRIBUTE_VALUE_LIMIT = 256;
/** The OpenTelemetry MCP semantic conventions name the target of these methods. */
const TARGET_ATTRIBUTE: Record<string, string> = {
  'tools/call': 'gen_ai.tool.name',
  'prompts/get': 'gen_ai.prompt.name',
  'resources/read': 'mcp.resource.uri',
};

/**
 * Spans held while an export is in flight; beyond this they are dropped (and a warning logged). A request makes
 * up to six spans, so the SDK's default of 2048 overflows in bursts of a few hundred requests. Kept at 16
 * batches of 512: a flush exports all batches at once, and the OTLP exporter refuses more than 30 in flight.
 */
const MAX_QUEUED_SPANS = 8192;

const nowMs = () => performance.timeOrigin + performance.now();

export async function createOtelTracing(options: TracingOptions): Promise<Tracing> {
  if (options.log) routeDiagnostics(options.log);
  const processor: SpanProcessor = options.exporter
    ? new SimpleSpanProcessor({ exporter: options.exporter })
    : new BatchSpanProcessor({ exporter: await otlpExporter(options), maxQueueSize: MAX_QUEUED_SPANS });
  const ratio = options.sampleRatio ?? 1;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName ?? RAMPART_INFO.name,
      'service.version': RAMPART_INFO.version,
    }),
    sampler: new ParentBasedSampler({
      root: ratio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio),
    }),
    spanLimits: { attributeValueLengthLimit: ATTRIBUTE_VALUE_LIMIT },
    spanProcessors: [processor],
  });
  const tracer = provider.getTracer(RAMPART_INFO.name, RAMPART_INFO.version);
  const trustIncoming = options.trustIncoming ?? true;
  const phaseSpans = options.phaseSpans ?? true;
  return {
    enabled: true,
    startRequest: (incoming) =>
      new OtelRequestSpan(tracer, phaseSpans, trustIncoming ? incoming : undefined, incoming),
    // Shutdown must not fail Rampart's own: an unreachable collector costs the last spans, nothing more.
    shutdown: () =>
      provider
        .shutdown()
        .catch((err: unknown) => options.log?.warn('trace export failed', { error: String(err) })),
  };
}

/**
 * The SDK reports export failures and dropped spans only through its diagnostic logger, which is silent by
 * default; warnings and errors go to Rampart's log instead. The diagnostic logger is process-wide by design.
 */
function routeDiagnostics(log: Logger): void {
  const warn = (message: string, ...args: unknown[]) =>
    log.warn(`opentelemetry: ${message}`, { args: args.map(String) });
  const quiet = () => undefined;
  diag.setLogger({ error: warn, warn, info: quiet, debug: quiet, verbose: quiet }, DiagLogLevel.WARN);
}

async function otlpExporter(options: TracingOptions) {
  // Loaded here, not at the top, so the in-memory test path never loads the HTTP exporter either.
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const url = new URL(options.endpoint!);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return new OTLPTraceExporter({ url: url.href, ...(options.headers ? { headers: options.headers } : {}) });
}

class OtelRequestSpan implements RequestSpan {
  private readonly tracer: Tracer;
  private readonly phaseSpans: boolean;
  private readonly root: Span;
  private readonly startMs = nowMs();
  private readonly rootContext: Context;
  private readonly tracestate: string | undefined;
  private upstream: { span: Span; startMs: number; headers: TraceHeaders } | undefined;
  private ended = false;

  /** `parent` is the context to continue; `seen` is what arrived, linked to when it is not continued. */
  constructor(
    tracer: Tracer,
    phaseSpans: boolean,
    parent: TraceContext | undefined,
    seen: TraceContext | undefined,
  ) {
    this.tracer = tracer;
    this.phaseSpans = phaseSpans;
    const links: Link[] = seen && !parent ? [{ context: remote(seen) }] : [];
    const parentContext = parent ? trace.setSpanContext(ROOT_CONTEXT, remote(parent)) : ROOT_CONTEXT;
    // Named once the method is known (at end); samplers see this generic name.
    this.root = tracer.startSpan(
      'mcp request',
      { kind: SpanKind.SERVER, startTime: this.startMs, links },
      parentContext,
    );
    this.rootContext = trace.setSpan(ROOT_CONTEXT, this.root);
    this.tracestate = parent?.tracestate;
  }

  get traceId(): string {
    return this.root.spanContext().traceId;
  }

  outgoing(): TraceHeaders {
    if (!this.upstream) {
      const startMs = nowMs();
      const span = this.tracer.startSpan(
        'upstream',
        { kind: SpanKind.CLIENT, startTime: startMs, attributes: { 'rampart.phase': 'upstream' } },
        this.rootContext,
      );
      const context = span.spanContext();
      const headers = traceHeaders({
        traceId: context.traceId,
        spanId: context.spanId,
        flags: context.traceFlags,
        tracestate: this.tracestate,
      });
      this.upstream = { span, startMs, headers };
    }
    return this.upstream.headers;
  }

  end(event: RequestEvent): void {
    if (this.ended) return;
    this.ended = true;
    const endMs = nowMs();
    const upstream = this.upstream;
    if (!this.root.isRecording()) {
      upstream?.span.end(endMs);
      this.root.end(endMs);
      return;
    }
    const anchor = upstream && { phase: 'upstream' as const, startMs: upstream.startMs };
    const timeline = phaseTimeline(event.timings, this.startMs, anchor);
    const deniedIn = event.decision === 'denied' ? timeline.at(-1)?.phase : undefined;
    let upstreamEnded = false;
    for (const interval of timeline) {
      const phase = interval.phase;
      // A child never outlasts its parent, even if a phase started later than its anchor suggests.
      const startMs = Math.min(interval.startMs, endMs);
      const phaseEnd = Math.min(interval.endMs, endMs);
      const attributes: Attributes = { 'rampart.phase': phase };
      if (phase === deniedIn) attributes['rampart.decision'] = 'denied';
      if (phase === 'upstream' && upstream) {
        // Started live when the headers were taken (the timeline's anchor); lasts the measured time.
        upstream.span.setAttributes(attributes);
        if (event.server) upstream.span.setAttribute('rampart.server', event.server);
        upstream.span.end(phaseEnd);
        upstreamEnded = true;
        continue;
      }
      if (!this.phaseSpans) continue;
      const kind = phase === 'upstream' ? SpanKind.CLIENT : SpanKind.INTERNAL;
      this.tracer.startSpan(phase, { kind, startTime: startMs, attributes }, this.rootContext).end(phaseEnd);
    }
    if (upstream && !upstreamEnded) {
      // The pipeline measures the upstream phase only when it succeeds: this one failed, so it ends now.
      upstream.span.setStatus({ code: SpanStatusCode.ERROR, message: event.code ?? 'upstream failed' });
      if (event.server) upstream.span.setAttribute('rampart.server', event.server);
      upstream.span.end(endMs);
    }
    this.root.updateName(spanName(event));
    this.root.setAttributes(requestAttributes(event));
    if (event.decision === 'errored') {
      this.root.setStatus({ code: SpanStatusCode.ERROR, ...(event.code ? { message: event.code } : {}) });
    }
    this.root.end(endMs);
  }
}

function remote(context: TraceContext): SpanContext {
  return { traceId: context.traceId, spanId: context.spanId, traceFlags: context.flags, isRemote: true };
}

/** `{method} {target}` as the MCP conventions say, with the target only once routed (a known name). */
function spanName(event: RequestEvent): string {
  const method = methodLabel(event.method);
  return event.server && event.name ? `${method} ${event.name}` : method;
}

function requestAttributes(event: RequestEvent): Attributes {
  const attributes: Attributes = {
    'mcp.method.name': event.method,
    'jsonrpc.request.id': event.requestId,
    'rampart.era': event.era,
    'rampart.decision': event.decision,
  };
  if (event.server) attributes['rampart.server'] = event.server;
  const target = TARGET_ATTRIBUTE[event.method];
  if (target && event.name) attributes[target] = event.name;
  if (event.code) attributes['rampart.code'] = event.code;
  if (event.decision === 'errored' && event.code) attributes['error.type'] = event.code;
  if (event.ruleIds.length > 0) attributes['rampart.rule_ids'] = event.ruleIds;
  const principal = event.principal;
  if (principal) {
    attributes['rampart.principal.issuer'] = principal.issuer;
    attributes['rampart.principal.subject'] = principal.subject;
    if (principal.clientId) attributes['rampart.principal.client_id'] = principal.clientId;
    if (principal.agent) attributes['rampart.principal.agent'] = principal.agent;
    if (principal.tenant) attributes['rampart.principal.tenant'] = principal.tenant;
  }
  return attributes;
}
