// RFC 5424 messages: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
//
// An audit entry carries its key fields as structured data under the SD-ID `rampart@32473` (32473 is the
// private enterprise number RFC 5612 reserves for documentation; a deployment with its own PEN can map it in the
// receiver) and the event's canonical JSON as MSG, UTF-8 with a BOM (§6.4). When a message must fit a size
// limit, MSG is cut first, then the structured data shrinks to the fields that identify the entry (seq, hash,
// id, decision); the result always parses as RFC 5424.

import type { SignedCheckpoint } from '../checkpoint.ts';
import { checkpointLine } from '../jsonl.ts';
import { eventText } from './event-text.ts';
import type { CommittedRecord } from './forwarder.ts';
import { type SyslogSeverity, syslogSeverity } from './severity.ts';
import { cutText, cutUtf8 } from './utf8.ts';

export const SD_ID = 'rampart@32473';
export const CHECKPOINT_SD_ID = 'rampart-checkpoint@32473';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Longest SD-PARAM value kept (bytes, before escaping): names and subjects are short; this bounds abuse. */
const MAX_PARAM_BYTES = 512;
// RFC 3339 as RFC 5424 §6.2.3 restricts it (at most 6 fractional digits).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;

/** The parts of the header that are the same for every message of a sink. */
export interface SyslogIdentity {
  readonly facility: number;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
}

export interface SyslogParts {
  readonly severity: SyslogSeverity;
  readonly timestamp: string;
  readonly msgId: string;
  /** Rendered STRUCTURED-DATA, preferred first; NILVALUE is the last resort. */
  readonly sd: readonly string[];
  /** MSG in at most `budget` bytes (empty: no MSG). */
  readonly msg: (budget: number) => Buffer;
}

/** A header field: PRINTUSASCII only, at most `max` characters, NILVALUE when empty. */
export function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean === '' ? '-' : clean;
}

/** SD-PARAM value escaping (§6.3.3): `"`, `\` and `]` get a backslash. */
export function escapeParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** One SD-ELEMENT; params with a null value are left out. */
export function sdElement(
  id: string,
  params: ReadonlyArray<readonly [string, string | number | null]>,
): string {
  let out = `[${id}`;
  for (const [name, value] of params) {
    if (value === null) continue;
    out += ` ${name}="${escapeParamValue(cutText(String(value), MAX_PARAM_BYTES))}"`;
  }
  return `${out}]`;
}

/** Assembles a message of at most `maxBytes` bytes. */
export function syslogMessage(id: SyslogIdentity, parts: SyslogParts, maxBytes: number): Buffer {
  const pri = id.facility * 8 + parts.severity;
  const timestamp = TIMESTAMP.test(parts.timestamp) ? parts.timestamp : '-';
  const header =
    `<${pri}>1 ${timestamp} ${headerField(id.hostname, 255)} ${headerField(id.appName, 48)} ` +
    `${headerField(id.procId, 128)} ${headerField(parts.msgId, 32)} `;
  for (const sd of [...parts.sd, '-']) {
    const base = Buffer.from(header + sd, 'utf8');
    if (base.length > maxBytes) continue;
    const budget = maxBytes - base.length - 1;
    const msg = budget > 0 ? parts.msg(budget) : Buffer.alloc(0);
    return msg.length > 0 ? Buffer.concat([base, Buffer.from(' '), msg]) : base;
  }
  // Only with absurd header fields for a tiny limit: better a cut message than none.
  return cutUtf8(Buffer.from(`${header}-`, 'utf8'), maxBytes);
}

/** MSG as BOM + UTF-8, cut to the budget; nothing when not even a character fits. */
export function utf8Msg(text: string): (budget: number) => Buffer {
  return (budget) => {
    if (budget <= BOM.length) return Buffer.alloc(0);
    const body = cutUtf8(Buffer.from(text, 'utf8'), budget - BOM.length);
    return body.length === 0 ? Buffer.alloc(0) : Buffer.concat([BOM, body]);
  };
}

/** The RFC 5424 message for one committed entry. */
export function rfc5424Entry(id: SyslogIdentity, record: CommittedRecord, maxBytes: number): Buffer {
  const e = record.event;
  const p = e.principal;
  const core = [
    ['seq', record.seq],
    ['hash', record.hash],
    ['id', record.id],
    ['decision', e.decision],
  ] as const;
  const full = sdElement(SD_ID, [
    ...core,
    ['subject', p?.subject ?? null],
    ['issuer', p?.issuer ?? null],
    ['client', p?.client ?? null],
    ['agent', p?.agent ?? null],
    ['session', e.session],
    ['server', e.server],
    ['method', e.method],
    ['name', e.name],
    ['code', e.code],
    ['ruleIds', e.ruleIds.length > 0 ? e.ruleIds.join(',') : null],
    ['requestId', e.requestId],
    ['traceId', e.traceId],
  ]);
  return syslogMessage(
    id,
    {
      severity: syslogSeverity(e),
      timestamp: e.time,
      msgId: e.decision,
      sd: [full, sdElement(SD_ID, core)],
      msg: utf8Msg(eventText(record)),
    },
    maxBytes,
  );
}

/** The RFC 5424 message for a signed checkpoint (a notice: it is what lets a SIEM hold the log to account). */
export function rfc5424Checkpoint(id: SyslogIdentity, cp: SignedCheckpoint, maxBytes: number): Buffer {
  const sd = sdElement(CHECKPOINT_SD_ID, [
    ['size', cp.size],
    ['root', cp.root],
    ['time', cp.time],
    ['keyId', cp.keyId],
    ['signature', cp.signature],
  ]);
  return syslogMessage(
    id,
    { severity: 5, timestamp: cp.time, msgId: 'checkpoint', sd: [sd], msg: utf8Msg(checkpointLine(cp)) },
    maxBytes,
  );
}

/** RFC 6587 §3.4.1 / RFC 5425 §4.3 framing for stream transports: `MSG-LEN SP SYSLOG-MSG`. */
export function octetCounted(message: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${message.length} `, 'ascii'), message]);
}
