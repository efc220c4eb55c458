// Configuration of the audit log's forwarding sinks: copies of every committed entry (and every signed
// checkpoint) for a JSONL file, a SIEM over syslog (RFC 5424 or CEF) and an OpenTelemetry collector. The SQLite
// log stays the authoritative record; a sink that falls behind drops and counts, it never holds a request up.
import { z } from 'zod';
import { secretRef } from './auth-schema.ts';

const maxQueued = z
  .number()
  .int()
  .positive()
  .max(1_000_000)
  .default(10_000)
  .describe(
    'Most entries waiting in memory for this sink; beyond it new entries are dropped (counted and logged), the authoritative log keeps them.',
  );

const jsonlSink = z
  .strictObject({
    type: z.literal('jsonl').describe('Append to a JSONL file in the export format.'),
    path: z
      .string()
      .min(1)
      .describe(
        'File to append to (relative to the config file). A new file starts with a header line; an existing one is continued.',
      ),
    fsync: z
      .boolean()
      .default(true)
      .describe('fsync after each written batch, so a crash loses nothing that was reported as sent.'),
    maxQueued,
  })
  .describe(
    'A JSONL copy of the log in the `rampart audit export` format (entries and checkpoints as they come); `rampart audit verify --file` checks it.',
  );

const facilities = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;

/** Facility names in code order (RFC 5424 §6.2.1): the index is the facility number. */
export const SYSLOG_FACILITIES: readonly string[] = facilities;

const syslogSink = z
  .strictObject({
    type: z.literal('syslog').describe('Send to a syslog receiver or SIEM.'),
    format: z
      .enum(['rfc5424', 'cef'])
      .describe(
        '`rfc5424`: structured data `[rampart@32473 …]` plus the event JSON; `cef`: ArcSight CEF inside an RFC 5424 header (Splunk, ArcSight, QRadar).',
      ),
    transport: z
      .enum(['udp', 'tcp', 'tls'])
      .describe(
        '`udp` (RFC 5426, one message per datagram, best effort), `tcp` (RFC 6587 octet counting) or `tls` (RFC 5425).',
      ),
    host: z.string().min(1).describe('Host name or address of the receiver.'),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .describe('Port of the receiver (usually 514 udp/tcp, 6514 tls).'),
    facility: z
      .union([z.enum(facilities), z.number().int().min(0).max(23)])
      .default('local0')
      .describe('Syslog facility, by name or number (0..23).'),
    appName: z
      .string()
      .min(1)
      .max(48)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .default('rampart')
      .describe('APP-NAME of each message.'),
    hostname: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
      .optional()
      .describe("HOSTNAME of each message; the machine's host name when omitted."),
    ca: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM bundle (path, relative to the config file) of the CAs that may sign the receiver's certificate (tls); the system CAs when omitted.",
      ),
    serverName: z
      .string()
      .min(1)
      .optional()
      .describe("Name the receiver's certificate must carry and SNI to send (tls); `host` when omitted."),
    maxMessageBytes: z
      .number()
      .int()
      .min(480)
      .max(65_000)
      .optional()
      .describe(
        'Longest message sent; longer ones are cut (at a character boundary, structure kept). Default 2048 for udp, 8192 otherwise.',
      ),
    maxQueued,
  })
  .describe('A syslog receiver or SIEM.');

const otlpSink = z
  .strictObject({
    type: z.literal('otlp').describe('Send OpenTelemetry log records (OTLP/HTTP JSON).'),
    endpoint: z
      .url({ protocol: /^https?$/ })
      .describe(
        'Logs endpoint of the collector, e.g. `http://127.0.0.1:4318/v1/logs`. Link-local and metadata addresses are refused.',
      ),
    headers: z
      .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name'), secretRef)
      .default({})
      .describe('Headers sent with each request (e.g. an API key), each a secret reference.'),
    maxQueued,
  })
  .describe('An OpenTelemetry collector (logs signal, OTLP/HTTP with JSON encoding).');

export const auditSinkSchema = z
  .discriminatedUnion('type', [jsonlSink, syslogSink, otlpSink])
  .describe('A copy of every committed audit entry and signed checkpoint, sent in the background.');

export type AuditSinkConfig = z.infer<typeof auditSinkSchema>;
export type JsonlSinkConfig = Extract<AuditSinkConfig, { type: 'jsonl' }>;
export type SyslogSinkConfig = Extract<AuditSinkConfig, { type: 'syslog' }>;
export type OtlpSinkConfig = Extract<AuditSinkConfig, { type: 'otlp' }>;
