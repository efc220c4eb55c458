// Rampart's Prometheus metrics: one registry per Rampart instance (not prom-client's global one, so several
// instances in one process, as in tests, never share or collide), fed by the request events the pipeline already
// produces, by upstream supervision, by detectors and by the audit log, and rendered for a `/metrics` route.
//
// `observe` runs once per request on the hot path, so request-scoped series use the light families of
// metric-family.ts (label sets resolved once, then plain number updates); rarely set gauges use prom-client's.

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { RequestEvent } from '../guards/pipeline.ts';
import { PHASES } from '../guards/pipeline.ts';
import type { UpstreamStatus } from '../upstream/upstream.ts';
import { CounterFamily, HistogramFamily } from './metric-family.ts';
import { BoundedLabel, methodLabel } from './metric-labels.ts';

export interface Metrics {
  /** Counts one request event (allowed, denied or errored) and its phase timings. */
  observe(event: RequestEvent): void;
  /** Records an upstream's supervision state; `restarts` is the Upstream's own running total. */
  setUpstream(name: string, status: UpstreamStatus, restarts: number): void;
  /** Counts one detector finding (fed by the detectors). */
  countDetection(ruleId: string): void;
  /** How far the audit log's durable position trails the newest event, in seconds (fed by the audit log). */
  setAuditLag(seconds: number): void;
  /** The exposition for a `/metrics` response. */
  render(): Promise<{ contentType: string; body: string }>;
  readonly registry: Registry;
}

export interface MetricsOptions {
  /** Process and Node.js runtime metrics (CPU, memory, event loop lag, GC): on unless set to false. */
  defaultMetrics?: boolean;
  /** Runs before every render: the place to pull state that has no push hook, such as upstream status. */
  beforeRender?: () => void;
  /** Distinct rule ids (and upstream names) kept per metric before the rest is counted as `other`. */
  maxLabelValues?: number;
}

/**
 * Seconds. Phases range from microseconds (a policy check) to tens of seconds (a slow tool), so the buckets span
 * 50 µs to 30 s roughly logarithmically.
 */
const DURATION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  30,
];
const UPSTREAM_STATES: readonly UpstreamStatus[] = ['starting', 'ready', 'down', 'closed'];

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const requests = new CounterFamily(
    registry,
    'rampart_requests_total',
    'Requests by MCP method, protocol era and decision.',
    ['method', 'era', 'decision'],
  );
  const ruleDecisions = new CounterFamily(
    registry,
    'rampart_rule_decisions_total',
    'Decisions in which a rule fired, by rule id and decision.',
    ['rule_id', 'decision'],
  );
  const phaseSeconds = new HistogramFamily(
    registry,
    'rampart_phase_duration_seconds',
    'Time spent in each pipeline phase (only phases that ran are observed).',
    ['phase'],
    DURATION_BUCKETS,
  );
  const requestSeconds = new HistogramFamily(
    registry,
    'rampart_request_duration_seconds',
    'Time from the start of the pipeline to its recorded outcome, by MCP method.',
    ['method'],
    DURATION_BUCKETS,
  );
  const upstreamUp = new Gauge({
    name: 'rampart_upstream_up',
    help: 'Whether the upstream is connected and ready (1) or not (0).',
    labelNames: ['upstream'],
    registers: [registry],
  });
  const upstreamState = new Gauge({
    name: 'rampart_upstream_status',
    help: 'The upstream supervision state: 1 for the current state, 0 for the others.',
    labelNames: ['upstream', 'status'],
    registers: [registry],
  });
  const upstreamRestarts = new CounterFamily(
    registry,
    'rampart_upstream_restarts_total',
    'Times the upstream connection was restarted after a failure.',
    ['upstream'],
  );
  const detections = new CounterFamily(
    registry,
    'rampart_detections_total',
    'Detector findings by rule id.',
    ['rule_id'],
  );
  const auditLag = new Gauge({
    name: 'rampart_audit_lag_seconds',
    help: 'How far the durable audit log trails the newest decision.',
    registers: [registry],
  });

  const max = options.maxLabelValues ?? 500;
  const ruleLabel = new BoundedLabel(max);
  const detectionLabel = new BoundedLabel(max);
  const upstreamLabel = new BoundedLabel(max);
  // Every phase series exists from the start, in PHASES order, so the loop below indexes instead of looking up.
  const phases = PHASES.map((phase) => phaseSeconds.at(phase));
  const lastRestarts = new Map<string, number>();

  return {
    registry,
    observe(event) {
      const method = methodLabel(event.method);
      const decision = event.decision;
      requests.at(method, event.era, decision).inc();
      for (const rule of event.ruleIds) ruleDecisions.at(ruleLabel.value(rule), decision).inc();
      const timings = event.timings;
      for (let i = 0; i < PHASES.length; i++) {
        const ms = timings[PHASES[i]!];
        if (ms !== undefined && ms >= 0) phases[i]!.observe(ms / 1000);
      }
      if (timings.totalMs >= 0) requestSeconds.at(method).observe(timings.totalMs / 1000);
    },
    setUpstream(name, status, restarts) {
      const upstream = upstreamLabel.value(name);
      upstreamUp.set({ upstream }, status === 'ready' ? 1 : 0);
      for (const state of UPSTREAM_STATES)
        upstreamState.set({ upstream, status: state }, state === status ? 1 : 0);
      // The Upstream keeps a running total; a counter only goes up, so add the difference. A smaller total means
      // the Upstream object was replaced (config reload): its whole count is new restarts. inc(0) on the first
      // call still creates the series, so a healthy upstream shows 0 restarts rather than no series.
      const last = lastRestarts.get(upstream) ?? 0;
      lastRestarts.set(upstream, restarts);
      upstreamRestarts.at(upstream).inc(restarts >= last ? restarts - last : restarts);
    },
    countDetection(ruleId) {
      detections.at(detectionLabel.value(ruleId)).inc();
    },
    setAuditLag(seconds) {
      auditLag.set(seconds);
    },
    async render() {
      options.beforeRender?.();
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
