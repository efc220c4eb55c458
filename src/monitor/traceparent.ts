// W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing and formatting of `traceparent` and
// `tracestate`, taking them from a downstream request (HTTP header or `params._meta`) and putting them into an
// upstream request. Pure functions, no OpenTelemetry: the disabled path uses them alone, so they must not load
// the SDK. Everything arriving here is untrusted client input, so malformed values are dropped, never repaired.

import type { JsonObject } from '../core/jsonrpc.ts';
import { isObject } from '../core/jsonrpc.ts';

/** The parts of a `traceparent` Rampart keeps (it always re-emits version 00, so the version is not kept). */
export interface Traceparent {
  /** 32 lower-case hex digits, not all zero. */
  traceId: string;
  /** 16 lower-case hex digits, not all zero: the caller's span, i.e. the parent of Rampart's span. */
  spanId: string;
  /** The trace-flags byte; bit 0 is `sampled`. */
  flags: number;
}

/** A validated incoming context: the parent, plus the vendor `tracestate` that travels with it. */
export interface TraceContext extends Traceparent {
  tracestate: string | undefined;
}

/** What is sent to an upstream: as HTTP headers, or as the same keys in `params._meta`. */
export interface TraceHeaders {
  traceparent: string;
  tracestate?: string;
}

export const TRACEPARENT = 'traceparent';
export const TRACESTATE = 'tracestate';
export const FLAG_SAMPLED = 0x01;
/** Version 00 defines `sampled` and (Trace Context Level 2) `random`; other bits are zeroed when propagating. */
const KNOWN_FLAGS = 0x03;

const HEX_TRACE_ID = /^[0-9a-f]{32}$/;
const HEX_SPAN_ID = /^[0-9a-f]{16}$/;
// version-traceid-parentid-flags, lower-case hex only (upper case is invalid per the spec).
const V00 = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);
const V00_LENGTH = 55;
const MAX_TRACESTATE_LENGTH = 512;
const MAX_TRACESTATE_MEMBERS = 32;
const TRACESTATE_KEY =
  /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

export function isValidTraceId(id: string): boolean {
  return HEX_TRACE_ID.test(id) && id !== ZERO_TRACE_ID;
}

export function isValidSpanId(id: string): boolean {
  return HEX_SPAN_ID.test(id) && id !== ZERO_SPAN_ID;
}

/**
 * Parses a `traceparent`, or returns undefined when it must be ignored (the caller then starts a new trace).
 * Version ff is forbidden; version 00 must be exactly 55 characters; a higher version may carry more fields
 * after a dash, which are ignored (the spec's forward-compatibility rule).
 */
export function parseTraceparent(value: unknown): Traceparent | undefined {
  if (typeof value !== 'string' || value.length < V00_LENGTH) return undefined;
  const version = value.slice(0, 2);
  let head = value;
  if (version === '00') {
    if (value.length !== V00_LENGTH) return undefined;
  } else {
    if (value.length > V00_LENGTH && value[V00_LENGTH] !== '-') return undefined;
    head = value.slice(0, V00_LENGTH);
  }
  const match = V00.exec(head);
  if (!match || version === 'ff') return undefined;
  const traceId = match[2]!;
  const spanId = match[3]!;
  if (traceId === ZERO_TRACE_ID || spanId === ZERO_SPAN_ID) return undefined;
  return { traceId, spanId, flags: Number.parseInt(match[4]!, 16) };
}

/** Formats a version-00 `traceparent`; throws on invalid ids because that is a bug in Rampart, not input. */
export function formatTraceparent(parent: Traceparent): string {
  if (!isValidTraceId(parent.traceId)) throw new RangeError(`invalid trace id: ${parent.traceId}`);
  if (!isValidSpanId(parent.spanId)) throw new RangeError(`invalid span id: ${parent.spanId}`);
  const flags = (parent.flags & KNOWN_FLAGS).toString(16).padStart(2, '0');
  return `00-${parent.traceId}-${parent.spanId}-${flags}`;
}

export function isSampled(flags: number): boolean {
  return (flags & FLAG_SAMPLED) === FLAG_SAMPLED;
}

/**
 * Validates a `tracestate` list and returns it normalised (members trimmed, empty members dropped), or undefined
 * when any member is malformed or the list is too long: the spec says to drop the whole header then.
 */
export function parseTracestate(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_TRACESTATE_LENGTH) return undefined;
  const members: string[] = [];
  for (const raw of value.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0 || !TRACESTATE_KEY.test(member.slice(0, eq)) || !TRACESTATE_VALUE.test(member.slice(eq + 1)))
      return undefined;
    members.push(member);
  }
  if (members.length === 0 || members.length > MAX_TRACESTATE_MEMBERS) return undefined;
  return members.join(',');
}

/** Header values as node:http gives them (repeated unknown headers arrive joined or as arrays). */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/**
 * The incoming trace context of one request: the HTTP `traceparent` header when valid, else
 * `params._meta.traceparent` (the only carrier on stdio). The header wins because an HTTP-level instrumentation
 * in the client makes its span a child of the MCP-level one in `_meta`, so the header is the closer parent.
 * `tracestate` is taken from the same carrier as the `traceparent` it belongs to, never mixed.
 */
export function incomingTraceContext(
  headers: HeaderBag | undefined,
  params: JsonObject | undefined,
): TraceContext | undefined {
  const header = headers?.[TRACEPARENT];
  // A repeated traceparent header is ambiguous: node joins or lists it, and either fails to parse here.
  const fromHeader = typeof header === 'string' ? parseTraceparent(header) : undefined;
  if (fromHeader) return { ...fromHeader, tracestate: parseTracestate(joined(headers?.[TRACESTATE])) };
  const meta = params?.['_meta'];
  if (!isObject(meta)) return undefined;
  const fromMeta = parseTraceparent(meta[TRACEPARENT]);
  return fromMeta && { ...fromMeta, tracestate: parseTracestate(meta[TRACESTATE]) };
}

/** Multiple tracestate headers are one list (RFC 9110 field combination), unlike traceparent. */
function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/** The headers that carry `context` onward: re-emitted as version 00 with unknown flags cleared. */
export function traceHeaders(context: Traceparent & { tracestate?: string | undefined }): TraceHeaders {
  const traceparent = formatTraceparent(context);
  return context.tracestate ? { traceparent, tracestate: context.tracestate } : { traceparent };
}

/**
 * `params` with `_meta.traceparent` / `_meta.tracestate` set to `headers` (for stdio upstreams, which have no
 * headers), or with any client-supplied ones removed when `headers` is undefined, so an upstream never sees an
 * unvalidated or stale parent that skips Rampart. Returns `params` itself when nothing changes.
 */
export function withTraceMeta(
  params: JsonObject | undefined,
  headers: TraceHeaders | undefined,
): JsonObject | undefined {
  const meta = isObject(params?.['_meta']) ? params['_meta'] : undefined;
  if (!headers) {
    if (!meta || !(TRACEPARENT in meta || TRACESTATE in meta)) return params;
    const { [TRACEPARENT]: _parent, [TRACESTATE]: _state, ...rest } = meta;
    const { _meta: _dropped, ...bare } = params ?? {};
    return Object.keys(rest).length > 0 ? { ...bare, _meta: rest } : bare;
  }
  const { [TRACESTATE]: _state, ...kept } = meta ?? {};
  return { ...params, _meta: { ...kept, ...headers } };
}
