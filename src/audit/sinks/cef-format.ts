// ArcSight Common Event Format (CEF 0, "Implementing ArcSight CEF" rev. 25):
//   CEF:0|Rampart|Rampart|<version>|<signature id>|<name>|<severity 0-10>|<key=value extensions>
//
// Transport: the CEF text is the MSG of an RFC 5424 message with NILVALUE structured data and no BOM
// (`<PRI>1 TIME HOST rampart PID denied - CEF:0|…`). ArcSight SmartConnectors (Syslog Daemon), Splunk's CEF
// add-ons, QRadar and Sentinel's CEF connector find the message by its `CEF:` prefix after a syslog header; a BOM
// in front of `CEF:` is what several of them do not skip, hence none.
//
// Escaping: `\` and `|` in header fields; `\`, `=` and line breaks (as `\n`, `\r`) in extension values. Keys
// are standard CEF names where one fits (rt, act, outcome, suser, reason, externalId, dvchost, cat,
// requestClientApplication) and labelled custom fields otherwise (cn1 = seq, cs1 = hash, cs2 = session,
// cs3 = server, cs4 = method, cs5 = name, cs6 = rule ids, flexString1 = issuer, flexString2 = client). To fit
// a size limit whole extensions are dropped from the end (least important last), never cut in the middle.
import { RAMPART_INFO } from '../../core/protocol.ts';
import type { SignedCheckpoint } from '../checkpoint.ts';
import type { AuditEvent } from '../event.ts';
import type { CommittedRecord } from './forwarder.ts';
import { cefSeverity, syslogSeverity } from './severity.ts';
import { cutText } from './utf8.ts';

/** CEF limits most string fields to 1023 characters; bytes here, which is stricter. */
const MAX_VALUE_BYTES = 1023;

export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/\r\n|[\r\n]/g, ' ');
}

export function escapeCefValue(value: string): string {
  return value.replace(/\r\n|[\\=\r\n]/g, (c) => {
    if (c === '\\' || c === '=') return `\\${c}`;
    return c === '\r' ? '\\r' : '\\n';
  });
}

type Extension = ReadonlyArray<readonly [string, string | number | null]>;

/** A CEF message of at most `maxBytes` bytes (the header always; extensions as many as fit, in order). */
export function cefMessage(
  header: { signatureId: string; name: string; severity: number },
  extensions: readonly Extension[],
  maxBytes: number,
): Buffer {
  // A long name gives way first: the header must fit, or the message is left out entirely.
  const heads = [512, 64, 0].map((cap) =>
    Buffer.from(
      `CEF:0|Rampart|Rampart|${escapeCefHeader(RAMPART_INFO.version)}|${escapeCefHeader(header.signatureId)}` +
        `|${escapeCefHeader(cap > 0 ? cutText(header.name, cap) : header.signatureId)}|${header.severity}|`,
      'utf8',
    ),
  );
  let out = heads.find((head) => head.length <= maxBytes);
  if (!out) return Buffer.alloc(0);
  let first = true;
  for (const group of extensions) {
    const pairs = group
      .filter(([, value]) => value !== null && value !== '')
      .map(([key, value]) => `${key}=${escapeCefValue(cutText(String(value), MAX_VALUE_BYTES))}`);
    if (pairs.length === 0) continue;
    const piece = Buffer.from(`${first ? '' : ' '}${pairs.join(' ')}`, 'utf8');
    if (out.length + piece.length > maxBytes) break;
    out = Buffer.concat([out, piece]);
    first = false;
  }
  return out;
}

function outcome(decision: AuditEvent['decision']): string | null {
  if (decision === 'allowed' || decision === 'approved') return 'success';
  if (decision === 'denied' || decision === 'errored') return 'failure';
  return null;
}

function eventName(e: AuditEvent): string {
  const what = [e.method, e.name].filter((part) => part !== null).join(' ');
  return what === '' ? e.decision : `${e.decision} ${what}`;
}

/** CEF for one committed entry; `hostname` goes into dvchost. */
export function cefEntry(record: CommittedRecord, hostname: string, maxBytes: number): Buffer {
  const e = record.event;
  const p = e.principal;
  const time = Date.parse(e.time);
  return cefMessage(
    { signatureId: e.decision, name: eventName(e), severity: cefSeverity(syslogSeverity(e)) },
    [
      [['rt', Number.isFinite(time) ? time : null]],
      [['act', e.decision]],
      [['outcome', outcome(e.decision)]],
      [['externalId', record.id]],
      [
        ['cn1Label', 'auditSeq'],
        ['cn1', record.seq],
      ],
      [
        ['cs1Label', 'auditHash'],
        ['cs1', record.hash],
      ],
      [['suser', p?.subject ?? null]],
      [['reason', e.code]],
      [
        ['cs3Label', 'mcpServer'],
        ['cs3', e.server],
      ],
      [
        ['cs4Label', 'mcpMethod'],
        ['cs4', e.method],
      ],
      [
        ['cs5Label', 'mcpName'],
        ['cs5', e.name],
      ],
      [
        ['cs6Label', 'ruleIds'],
        ['cs6', e.ruleIds.length > 0 ? e.ruleIds.join(',') : null],
      ],
      [
        ['cs2Label', 'session'],
        ['cs2', e.session],
      ],
      [
        ['flexString1Label', 'issuer'],
        ['flexString1', p?.issuer ?? null],
      ],
      [
        ['flexString2Label', 'client'],
        ['flexString2', p?.client ?? null],
      ],
      [['requestClientApplication', p?.agent ?? null]],
      [['dvchost', hostname]],
      [['cat', 'rampart/audit']],
    ],
    maxBytes,
  );
}

/** CEF for a signed checkpoint. */
export function cefCheckpoint(cp: SignedCheckpoint, hostname: string, maxBytes: number): Buffer {
  const time = Date.parse(cp.time);
  return cefMessage(
    { signatureId: 'checkpoint', name: 'audit log checkpoint signed', severity: cefSeverity(5) },
    [
      [['rt', Number.isFinite(time) ? time : null]],
      [
        ['cn1Label', 'treeSize'],
        ['cn1', cp.size],
      ],
      [
        ['cs1Label', 'merkleRoot'],
        ['cs1', cp.root],
      ],
      [
        ['cs2Label', 'keyId'],
        ['cs2', cp.keyId],
      ],
      [
        ['cs3Label', 'signature'],
        ['cs3', cp.signature],
      ],
      [['dvchost', hostname]],
      [['cat', 'rampart/audit']],
    ],
    maxBytes,
  );
}
