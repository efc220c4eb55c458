// The fixed order in which every request is handled. Later features hang guards on these phases; the order is
// deliberate and is the same for every method (tools/call, reads, gets, completions, lists, subscriptions):
//
//   1. ingress       Host/Origin (DNS rebinding), body size and JSON depth: cheapest checks first, before any
//                    parsing cost or state is spent on a request that can never be valid.
//   2. era           2025-11-25 session lookup or 2026-07-28 header/_meta validation: decides what the message is.
//   3. authenticate  who is calling (identity issue); nothing below runs for an unknown caller.
//   4. route         resolve the exposed name to one upstream and its own name (only listed names route).
//   5. request       guards on the exact call: rate limits, policy (on the session's toxic-flow labels),
//                    integrity pins, argument validation, approvals (authorization, integrity and execution-safety
//                    issues). A deny stops here; a call that passes them all adds its labels to its session.
//   6. upstream      forward with Rampart's own ids, progress tokens and timeouts.
//   7. response      guards on what comes back: detectors, redaction, size caps.
//   8. record        exactly one structured event per request, whatever the outcome.
//
// Phases 1-2 and 4 and 6 live in the ingress and the gateway core; this module runs the guard phases (3, 5, 7)
// and produces the event of phase 8, so every path shares one decision sequence.

import type { DownstreamCall, FlowTrace } from '../core/call.ts';
import type { JsonObject } from '../core/jsonrpc.ts';
import { PeerError } from '../core/jsonrpc.ts';
import { type ErrorCode, RampartError, toRampartError } from '../errors.ts';
import { incomingTraceContext } from '../monitor/traceparent.ts';
import { passthroughTracing, type Tracing } from '../monitor/tracing.ts';

export const PHASES = [
  'ingress',
  'era',
  'authenticate',
  'route',
  'request',
  'upstream',
  'response',
  'record',
] as const;
export type Phase = (typeof PHASES)[number];
export type GuardPhase = 'authenticate' | 'request' | 'response';

/** `ruleIds` name what decided (e.g. the policies that permitted a call), recorded in the request's event. */
export type GuardResult =
  | { kind: 'pass'; ruleIds?: readonly string[] }
  | { kind: 'mutate'; value: JsonObject; ruleIds?: readonly string[] }
  /** Answers the request now, without forwarding it (e.g. `input_required` while a human is asked). */
  | { kind: 'respond'; value: JsonObject; ruleIds?: readonly string[] }
  | {
      kind: 'deny';
      code: ErrorCode;
      ruleId: string;
      reason: string;
      /** Further rules that decided, recorded after `ruleId`. */
      ruleIds?: readonly string[];
      /** Extra fields of the JSON-RPC error's `data` (safe to show to the caller). */
      data?: Record<string, unknown>;
    };

export interface GuardContext {
  readonly call: DownstreamCall;
  /** Request phases see the params about to be forwarded, response phases the result about to be returned. */
  readonly value: JsonObject | undefined;
}

export interface Guard {
  readonly name: string;
  readonly phase: GuardPhase;
  check(ctx: GuardContext): GuardResult | Promise<GuardResult>;
}

export type Decision = 'allowed' | 'denied' | 'errored';

export interface RequestEvent {
  time: string;
  requestId: string;
  sessionId: string | undefined;
  /** Who called: issuer, subject, client, agent, tenant and how the token was bound (absent without auth). */
  principal:
    | {
        issuer: string;
        subject: string;
        clientId: string | undefined;
        agent: string | undefined;
        tenant: string | undefined;
        binding: string;
      }
    | undefined;
  era: DownstreamCall['era'];
  /** W3C trace id of the request (the caller's, or Rampart's own when tracing), for the audit event. */
  traceId?: string | undefined;
  server: string | undefined;
  method: string;
  name: string | undefined;
  decision: Decision;
  code: string | undefined;
  ruleIds: string[];
  timings: Partial<Record<Phase, number>> & { totalMs: number };
  /** The policy set (digest) that decided and its effect, so `rampart policy explain` can tell a later edit. */
  policy?: { digest: string; effect: string } | undefined;
  /** Detector findings on the request or its result (rule ids and severities; never the matched text). */
  findings?: { rule: string; severity: string; location?: string }[] | undefined;
  /** The toxic flow the request was decided in, when its session or item carried labels (src/flows). */
  flow?: FlowTrace | undefined;
}

/** What the call carried and returned, for the audit log's data-minimisation setting to keep or hash. */
export interface EventPayloads {
  readonly arguments: unknown;
  readonly result: unknown;
  /** The tool's annotations as its server lists them (for anomaly rules). */
  readonly annotations?: JsonObject | undefined;
}

export interface EventSink {
  /**
   * Records the request's event. The pipeline waits for a returned promise before the response is released, so
   * an audit log can make the event durable first; a rejection fails the request (RAMPART_AUDIT_UNAVAILABLE).
   */
  record(event: RequestEvent, payloads?: EventPayloads): void | Promise<void>;
}

/** The caller as an event records it (no groups, roles or scopes: attribution, not authorization). */
export function eventPrincipal(principal: DownstreamCall['principal']): RequestEvent['principal'] {
  return (
    principal && {
      issuer: principal.issuer,
      subject: principal.subject,
      clientId: principal.clientId,
      agent: principal.agent,
      tenant: principal.tenant,
      binding: principal.binding,
    }
  );
}

/** The param naming what a method acts on, recorded as the event's `name`. */
const NAME_FIELD: Record<string, string> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/** What a request acts on (tool or prompt name, resource URI), as its event records it. */
export function targetName(method: string, params: JsonObject | undefined): string | undefined {
  const field = NAME_FIELD[method];
  const name = field ? params?.[field] : undefined;
  return typeof name === 'string' ? name : undefined;
}

/**
 * The payloads worth auditing: a tool's or prompt's arguments and what a call, get or read returned. Lists,
 * pings and lifecycle answers are Rampart's or the catalog's own data and are left out (they would only cost).
 */
function payloadsOf(call: DownstreamCall, result: JsonObject | undefined): EventPayloads | undefined {
  if (NAME_FIELD[call.method] === undefined) return undefined;
  return {
    arguments: call.method === 'resources/read' ? undefined : call.params?.['arguments'],
    result,
    annotations: call.trace.annotations,
  };
}

/** A flow is recorded when the session or the item carried a label (else it would only cost bytes). */
function flowed(flow: FlowTrace | undefined): flow is FlowTrace {
  return flow !== undefined && (flow.session.length > 0 || flow.labels.length > 0);
}

/** Runs guards around `forward` in the fixed phase order and records one event. A guard that throws denies. */
export class Pipeline {
  private readonly byPhase: Record<GuardPhase, Guard[]>;
  private readonly sink: EventSink;
  private readonly now: () => number;
  private tracing: Tracing;

  constructor(
    guards: Guard[],
    sink: EventSink,
    now: () => number = () => performance.now(),
    tracing: Tracing = passthroughTracing(),
  ) {
    this.byPhase = { authenticate: [], request: [], response: [] };
    for (const guard of guards) this.byPhase[guard.phase].push(guard);
    this.sink = sink;
    this.now = now;
    this.tracing = tracing;
  }

  /** Tracing is created once the config's exporter is loaded, after the pipeline exists. */
  setTracing(tracing: Tracing): void {
    this.tracing = tracing;
  }

  /**
   * Runs one request: authenticate guards, `route` (phase 4: resolve the target, fail on unknown names), request
   * guards (which therefore see the server and exact name), the forward it returned, response guards; then
   * records the event and only afterwards releases the result (or the error).
   */
  async run(
    call: DownstreamCall,
    route: () => Promise<(params: JsonObject | undefined) => Promise<JsonObject>>,
  ): Promise<JsonObject> {
    const started = this.now();
    const span = this.tracing.startRequest(incomingTraceContext(call.trace.headers, call.params));
    call.trace.span = span;
    const timings: RequestEvent['timings'] = { totalMs: 0 };
    const ruleIds: string[] = [];
    let decision: Decision = 'allowed';
    let code: string | undefined;
    let result: JsonObject | undefined;
    let failure: { error: unknown } | undefined;
    try {
      await this.phase('authenticate', call, call.params, timings, ruleIds);
      const routeStart = this.now();
      const forward = await route();
      timings.route = this.now() - routeStart;
      const params = await this.phase('request', call, call.params, timings, ruleIds);
      const upstreamStart = this.now();
      const answer = await forward(params);
      timings.upstream = this.now() - upstreamStart;
      result = (await this.phase('response', call, answer, timings, ruleIds)) ?? answer;
    } catch (err) {
      if (err instanceof GuardResponded) {
        result = err.value;
        return this.finish(call, span, started, timings, ruleIds, 'allowed', undefined, result, undefined);
      }
      const denied = err instanceof GuardDenied;
      decision = denied ? 'denied' : 'errored';
      code = denied
        ? err.error.code
        : err instanceof PeerError
          ? `upstream:${err.error.code}`
          : toRampartError(err).code;
      failure = { error: denied ? err.error : err };
    }
    return this.finish(call, span, started, timings, ruleIds, decision, code, result, failure);
  }

  /** Records the request's event (durably) and only then releases the result or the error. */
  private async finish(
    call: DownstreamCall,
    span: NonNullable<DownstreamCall['trace']['span']>,
    started: number,
    timings: RequestEvent['timings'],
    ruleIds: string[],
    decision: Decision,
    code: string | undefined,
    result: JsonObject | undefined,
    failure: { error: unknown } | undefined,
  ): Promise<JsonObject> {
    timings.totalMs = this.now() - started;
    const event: RequestEvent = {
      time: new Date().toISOString(),
      requestId: String(call.id),
      sessionId: call.sessionId,
      principal: eventPrincipal(call.principal),
      era: call.era,
      traceId: span.traceId,
      server: call.trace.server,
      method: call.method,
      name: targetName(call.method, call.params),
      decision,
      code,
      ruleIds,
      timings,
      policy: call.trace.policy,
      ...(call.trace.findings?.length ? { findings: call.trace.findings } : {}),
      ...(flowed(call.trace.flow) ? { flow: call.trace.flow } : {}),
    };
    span.end(event);
    try {
      await this.sink.record(event, payloadsOf(call, result));
    } catch {
      // The event could not be made durable: nothing it describes may reach the client (fail closed).
      throw new RampartError('RAMPART_AUDIT_UNAVAILABLE');
    }
    if (failure) throw failure.error;
    return result!;
  }

  private async phase(
    phase: GuardPhase,
    call: DownstreamCall,
    value: JsonObject | undefined,
    timings: RequestEvent['timings'],
    ruleIds: string[],
  ): Promise<JsonObject | undefined> {
    const guards = this.byPhase[phase];
    if (guards.length === 0) return value;
    const start = this.now();
    let current = value;
    for (const guard of guards) {
      let result: GuardResult;
      try {
        result = await guard.check({ call, value: current });
      } catch {
        // Fail closed: a guard that cannot decide denies.
        result = {
          kind: 'deny',
          code: 'RAMPART_INTERNAL',
          ruleId: `${guard.name}:error`,
          reason: 'guard failed',
        };
      }
      if (result.kind === 'mutate') current = result.value;
      if (result.kind === 'respond') {
        if (result.ruleIds) ruleIds.push(...result.ruleIds);
        timings[phase] = this.now() - start;
        throw new GuardResponded(result.value);
      }
      if (result.kind === 'deny') ruleIds.push(result.ruleId);
      if (result.ruleIds) ruleIds.push(...result.ruleIds);
      if (result.kind === 'deny') {
        timings[phase] = this.now() - start;
        throw new GuardDenied(
          new RampartError(result.code, result.reason, { ...result.data, ruleId: result.ruleId }),
        );
      }
    }
    timings[phase] = this.now() - start;
    return current;
  }
}

/** A request guard answered the request itself; nothing is forwarded. */
class GuardResponded extends Error {
  readonly value: JsonObject;
  constructor(value: JsonObject) {
    super('answered by a guard');
    this.value = value;
  }
}

class GuardDenied extends Error {
  readonly error: RampartError;
  constructor(error: RampartError) {
    super(error.message);
    this.error = error;
  }
}
