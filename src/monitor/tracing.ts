// Request tracing: one span per request with a child span per pipeline phase, exported over OTLP/HTTP, and the
// W3C trace context carried from the caller through Rampart to the upstream.
//
// The request span is started live when the pipeline starts, because its trace id and the `traceparent` sent
// upstream must exist while the request runs. The phase spans are built afterwards from the RequestEvent's
// timings (the same numbers the metrics and the audit log get), so the pipeline needs no tracing calls per phase
// and pays nothing for them; only the upstream phase is also started live, when Rampart first asks for the
// headers to send upstream, so the upstream's own spans hang under it.
//
// With no endpoint configured nothing of OpenTelemetry is loaded (the SDK lives in otel-tracing.ts, imported
// only here and only then): Rampart then acts as a non-participating intermediary and passes a valid incoming
// context through unchanged, as the W3C spec asks, so callers' traces still connect to the upstream's.

import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { RequestEvent } from '../guards/pipeline.ts';
import type { Logger } from './logger.ts';
import type { TraceContext, TraceHeaders } from './traceparent.ts';
import { traceHeaders } from './traceparent.ts';

/** The tracing of one downstream request. */
export interface RequestSpan {
  /** The trace this request belongs to, for the audit event; undefined when untraced and no context came in. */
  readonly traceId: string | undefined;
  /**
   * The context to send upstream: as `traceparent`/`tracestate` headers to HTTP upstreams, or in
   * `params._meta` (see withTraceMeta) to stdio ones. The same value for every upstream call of this request.
   */
  outgoing(): TraceHeaders | undefined;
  /** Ends the request span and adds the phase spans, from the event the pipeline recorded. Idempotent. */
  end(event: RequestEvent): void;
}

export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  /** Starts tracing one request under `incoming` (from incomingTraceContext), or a new trace without one. */
  startRequest(incoming: TraceContext | undefined): RequestSpan;
  /** Flushes spans not yet exported; call on shutdown. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** OTLP/HTTP traces URL (http://collector:4318/v1/traces); a bare origin gets /v1/traces. Unset: no export. */
  endpoint?: string | undefined;
  /** Extra headers for the OTLP requests (a collector's API key). */
  headers?: Record<string, string>;
  serviceName?: string;
  /** Fraction of new traces recorded; an incoming context's sampled flag decides for its trace. Default 1. */
  sampleRatio?: number;
  /**
   * Whether callers' trace context is honoured (default true). When false, each request starts its own trace and
   * only links to the caller's, so a caller cannot place Rampart's spans into a trace of its choosing, and an
   * untraced Rampart forwards nothing of it.
   */
  trustIncoming?: boolean;
  /**
   * A span per measured phase (default true). False keeps only the request span and the live upstream span:
   * about a third of the cost, for high request rates where phase latency comes from the metrics instead.
   */
  phaseSpans?: boolean;
  /** Receives export failures and dropped-span warnings (otherwise OpenTelemetry reports them nowhere). */
  log?: Logger;
  /** Exports to this exporter synchronously instead of OTLP (tests). */
  exporter?: SpanExporter;
}

/** Creates the tracing for these options; loads OpenTelemetry only when there is somewhere to export to. */
export async function createTracing(options: TracingOptions = {}): Promise<Tracing> {
  if (!options.endpoint && !options.exporter) return passthroughTracing(options.trustIncoming ?? true);
  const { createOtelTracing } = await import('./otel-tracing.ts');
  return createOtelTracing(options);
}

/** Tracing off: no spans; a trusted incoming context goes upstream unchanged (re-emitted as version 00). */
export function passthroughTracing(trustIncoming = true): Tracing {
  const untraced: RequestSpan = { traceId: undefined, outgoing: () => undefined, end: () => undefined };
  return {
    enabled: false,
    startRequest(incoming) {
      if (!incoming || !trustIncoming) return untraced;
      const headers = traceHeaders(incoming);
      return { traceId: incoming.traceId, outgoing: () => headers, end: () => undefined };
    },
    shutdown: () => Promise.resolve(),
  };
}
