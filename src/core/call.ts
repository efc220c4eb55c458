// One downstream request as the era-neutral core sees it. The ingress builds it for either era; the gateway
// answers it; guards read it.

import type { Principal } from '../auth/principal.ts';
import type { HeaderBag } from '../monitor/traceparent.ts';
import type { RequestSpan } from '../monitor/tracing.ts';
import type { JsonObject, JsonRpcId, JsonRpcNotification } from './jsonrpc.ts';
import type { Era } from './protocol.ts';

/** What a routed request acts on, as the gateway resolved it (for authorization). */
export type CallTarget =
  | { kind: 'tool' | 'prompt'; server: string; exposedName: string; item: JsonObject }
  | {
      kind: 'resource';
      server: string;
      uri: string;
      /** The URI as the upstream names it. */
      upstreamUri: string;
      mimeType: string | undefined;
      /** The upstream's templates this URI matches. */
      templates: { own: string; exposed: string }[];
    }
  | { kind: 'resourceTemplate'; server: string; uriTemplate: string; upstreamUriTemplate: string };

export interface CallTrace {
  server: string | undefined;
  /** Set by the gateway's route: the tool, prompt or resource (exposed names) the request acts on. */
  target?: CallTarget | undefined;
  /** The client's address (HTTP), for `context.sourceAddress`. */
  remoteAddress?: string | undefined;
  /** The policy set digest and decision that let this request through (recorded in its audit event). */
  policy?: { digest: string; effect: string } | undefined;
  /** The routed tool's annotations from the upstream's catalog (hints for anomaly rules, never trusted for policy). */
  annotations?: JsonObject | undefined;
  /** What detectors found in this request or its result (rule, severity, where), recorded in its audit event. */
  findings?: { rule: string; severity: string; location?: string }[] | undefined;
  /** The toxic-flow state this request was decided in (src/flows), recorded in its audit event. */
  flow?: FlowTrace | undefined;
  headers?: HeaderBag | undefined;
  span?: RequestSpan | undefined;
}

/**
 * A request's toxic flow: whose flow it is, the session's labels before it and which items contributed them, the
 * labels of the item it acts on (and where each came from), and the labels it added to the session.
 */
export interface FlowTrace {
  scope: 'session' | 'caller';
  session: string[];
  sources: Record<string, { item: string; via: 'config' | 'annotation' | 'detector' }[]>;
  labels: { label: string; via: 'config' | 'annotation' | 'detector' }[];
  added: string[];
}

export interface DownstreamCall {
  readonly era: Era;
  readonly id: JsonRpcId;
  readonly method: string;
  readonly params: JsonObject | undefined;
  readonly protocolVersion: string;
  readonly clientCapabilities: JsonObject;
  readonly clientInfo: JsonObject | undefined;
  /** Legacy: the session's logging/setLevel; modern: `_meta` io.modelcontextprotocol/logLevel. */
  readonly logLevel: string | undefined;
  /** Legacy session id, for attribution and subscriptions. */
  readonly sessionId: string | undefined;
  /** Aborted on notifications/cancelled (legacy) or a closed response stream (modern). */
  readonly signal: AbortSignal;
  /** Who is calling (undefined only when Rampart runs without authentication, on loopback). */
  readonly principal: Principal | undefined;
  /** The caller's own token, for RFC 8693 token exchange toward an upstream only; never logged or forwarded. */
  readonly subjectToken: string | undefined;
  /** `Mcp-Param-*` headers of a modern HTTP request (lower-case names), forwarded to modern HTTP upstreams. */
  readonly paramHeaders: Readonly<Record<string, string>>;
  /**
   * Per-request tracing state: `headers` (the HTTP request's trace headers, set by the ingress), `span` (set by
   * the pipeline; its `outgoing()` context goes to the upstream) and `server` (set by the gateway once routed).
   */
  readonly trace: CallTrace;
  /** Sends a notification related to this request (progress, log) on its response stream. */
  notify(notification: JsonRpcNotification): void;
  /**
   * Legacy only: sends a server-to-client request on this request's response stream and awaits the answer.
   * Modern calls have none; the gateway answers those with MRTR input_required instead.
   */
  readonly sendRequest:
    | ((method: string, params: JsonObject | undefined, signal: AbortSignal) => Promise<JsonObject>)
    | undefined;
}

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

/** True when a log message at `level` passes the threshold `minimum` (RFC 5424 severities as MCP names them). */
export function logLevelPasses(level: unknown, minimum: string | undefined): boolean {
  if (minimum === undefined) return false;
  const rank = LEVELS.indexOf(String(level));
  const floor = LEVELS.indexOf(minimum);
  return rank === -1 || floor === -1 || rank >= floor;
}

export function isLogLevel(value: unknown): value is string {
  return typeof value === 'string' && LEVELS.includes(value);
}
