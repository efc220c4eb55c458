// OTLP/HTTP JSON encoding of audit entries as OpenTelemetry log records (opentelemetry-proto
// logs/v1/logs.proto, JSON mapping: 64-bit integers as decimal strings, ids as hex). One LogRecord per entry:
// time = the event's time, body = the event's canonical JSON, attributes = the fields a query filters on.
// Attribute names follow the semantic conventions where one exists (enduser.id, mcp.method.name,
// mcp.session.id, error.type) and `rampart.*` otherwise.
import { RAMPART_INFO } from '../../core/protocol.ts';
import type { SignedCheckpoint } from '../checkpoint.ts';
import { checkpointLine } from '../jsonl.ts';
import type { SinkItem } from './delivery.ts';
import { eventText } from './event-text.ts';
import type { CommittedRecord } from './forwarder.ts';
import { otelSeverity, syslogSeverity } from './severity.ts';

type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } };

interface KeyValue {
  key: string;
  value: AnyValue;
}

interface LogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  eventName: string;
  body: AnyValue;
  attributes: KeyValue[];
  traceId?: string;
}

const TRACE_ID = /^[0-9a-f]{32}$/;

function attributes(pairs: ReadonlyArray<readonly [string, string | number | readonly string[] | null]>) {
  const out: KeyValue[] = [];
  for (const [key, value] of pairs) {
    if (value === null) continue;
    if (typeof value === 'number') out.push({ key, value: { intValue: String(value) } });
    else if (typeof value === 'string') out.push({ key, value: { stringValue: value } });
    else out.push({ key, value: { arrayValue: { values: value.map((v) => ({ stringValue: v })) } } });
  }
  return out;
}

/** Nanoseconds since the epoch as a decimal string (beyond 2^53, so not a JS number). */
function nanos(ms: number): string {
  return (BigInt(ms) * 1_000_000n).toString();
}

/** An ISO time in nanoseconds; the observed time when it does not parse. */
function timeNanos(iso: string, observedMs: number): string {
  const ms = Date.parse(iso);
  return nanos(Number.isFinite(ms) ? ms : observedMs);
}

export function entryLogRecord(record: CommittedRecord, observedMs: number): LogRecord {
  const e = record.event;
  const p = e.principal;
  const severity = otelSeverity(syslogSeverity(e));
  const out: LogRecord = {
    timeUnixNano: timeNanos(e.time, observedMs),
    observedTimeUnixNano: nanos(observedMs),
    severityNumber: severity.number,
    severityText: severity.text,
    eventName: `rampart.audit.${e.decision}`,
    body: { stringValue: eventText(record) },
    attributes: attributes([
      ['rampart.audit.seq', record.seq],
      ['rampart.audit.hash', record.hash],
      ['rampart.audit.id', record.id],
      ['rampart.audit.decision', e.decision],
      ['enduser.id', p?.subject ?? null],
      ['rampart.principal.issuer', p?.issuer ?? null],
      ['rampart.principal.client', p?.client ?? null],
      ['rampart.principal.agent', p?.agent ?? null],
      ['mcp.session.id', e.session],
      ['mcp.method.name', e.method],
      ['rampart.mcp.server', e.server],
      ['rampart.mcp.name', e.name],
      ['error.type', e.code],
      ['rampart.audit.rule_ids', e.ruleIds.length > 0 ? e.ruleIds : null],
      ['rampart.request.id', e.requestId],
    ]),
  };
  // Links the record to the request's trace in backends that join logs and traces.
  if (e.traceId && TRACE_ID.test(e.traceId) && !/^0+$/.test(e.traceId)) out.traceId = e.traceId;
  return out;
}

export function checkpointLogRecord(cp: SignedCheckpoint, observedMs: number): LogRecord {
  const severity = otelSeverity(5);
  return {
    timeUnixNano: timeNanos(cp.time, observedMs),
    observedTimeUnixNano: nanos(observedMs),
    severityNumber: severity.number,
    severityText: severity.text,
    eventName: 'rampart.audit.checkpoint',
    body: { stringValue: checkpointLine(cp) },
    attributes: attributes([
      ['rampart.audit.checkpoint.size', cp.size],
      ['rampart.audit.checkpoint.root', cp.root],
      ['rampart.audit.checkpoint.time', cp.time],
      ['rampart.audit.checkpoint.key_id', cp.keyId],
      ['rampart.audit.checkpoint.signature', cp.signature],
    ]),
  };
}

/**
 * The request bodies (ExportLogsServiceRequest) for a batch: as few as possible, each at most `maxBytes` unless
 * a single record is larger (collectors limit request size; 4 MiB is the common default for gRPC and HTTP).
 */
export function exportLogsRequests(
  batch: readonly SinkItem[],
  observedMs: number,
  maxBytes = 4 << 20,
): string[] {
  const envelope = JSON.stringify({
    resourceLogs: [
      {
        resource: {
          attributes: attributes([
            ['service.name', 'rampart'],
            ['service.version', RAMPART_INFO.version],
          ]),
        },
        scopeLogs: [{ scope: { name: 'rampart.audit', version: RAMPART_INFO.version }, logRecords: [] }],
      },
    ],
  });
  // Records are spliced into the empty array, so each is serialised once and the sizes add up exactly.
  const at = envelope.indexOf('"logRecords":[]') + '"logRecords":['.length;
  const [head, tail] = [envelope.slice(0, at), envelope.slice(at)];
  const bodies: string[] = [];
  let parts: string[] = [];
  let size = head.length + tail.length;
  for (const item of batch) {
    const record = JSON.stringify(
      item.kind === 'entry'
        ? entryLogRecord(item.record, observedMs)
        : checkpointLogRecord(item.checkpoint, observedMs),
    );
    const bytes = Buffer.byteLength(record) + 1;
    if (parts.length > 0 && size + bytes > maxBytes) {
      bodies.push(head + parts.join(',') + tail);
      parts = [];
      size = head.length + tail.length;
    }
    parts.push(record);
    size += bytes;
  }
  if (parts.length > 0) bodies.push(head + parts.join(',') + tail);
  return bodies;
}
