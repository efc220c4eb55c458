// Configuration of the audit log (what each event keeps, what happens when it cannot be written, how often it is
// sealed) and of request tracing. Sinks that receive a copy of the log live in audit-sinks-schema.ts.
import { z } from 'zod';
import { auditPrivacySchema } from '../audit/privacy/holds.ts';
import { auditSinkSchema } from './audit-sinks-schema.ts';

const checkpoints = z
  .strictObject({
    every: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(1000)
      .describe('Sign a checkpoint after this many new events.'),
    intervalMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(10_000)
      .describe(
        'Sign a checkpoint at least this often while events arrive. Events after the last checkpoint can be cut off undetected, so this bounds the window.',
      ),
  })
  .describe('Signed Merkle checkpoints (Ed25519) over the hash chain.');

export const auditSchema = z
  .strictObject({
    payloads: z
      .enum(['digest', 'redacted', 'full'])
      .default('digest')
      .describe(
        "Data minimisation for tool arguments and results in audit events: `digest` keeps a SHA-256 only, `redacted` keeps them after redaction (credential-like keys, tokens, e-mail addresses and long numbers are masked; the detectors' secret and PII redaction will take over), `full` keeps them as they were. Kept payloads are encrypted under a per-subject key.",
      ),
    onFailure: z
      .enum(['closed', 'degraded'])
      .default('closed')
      .describe(
        '`closed`: when the audit store cannot write, calls fail (RAMPART_AUDIT_UNAVAILABLE) and are not forwarded. `degraded`: events go to a local spool file and a critical alert is raised; the spool joins the log when the store works again.',
      ),
    fsync: z
      .enum(['checkpoint', 'commit'])
      .default('checkpoint')
      .describe(
        'When the audit database is fsynced. `checkpoint`: every event is committed (written to the write-ahead log) before its response is released, so it survives any crash of Rampart, kill -9 included; the log is fsynced with every signed checkpoint, so an OS crash or power loss can lose at most the events since the last checkpoint (`checkpoints.every` / `intervalMs`), the same window in which a cut-off tail is not detectable. `commit`: fsync every group commit, so an answered call survives power loss too, at about 2-3x the audit CPU per call (docs/performance.md).',
      ),
    checkpoints: checkpoints.default({ every: 1000, intervalMs: 10_000 }),
    privacy: auditPrivacySchema.default({
      purgeIntervalMs: 600_000,
      holds: { subjects: [], anonymous: false, periods: [] },
    }),
    sinks: z
      .array(auditSinkSchema)
      .default([])
      .describe(
        'Copies of every committed entry and signed checkpoint for SIEMs and archives (JSONL file, syslog RFC 5424 or CEF over UDP/TCP/TLS, OpenTelemetry logs). Sent after the commit, queued and bounded: a slow sink never holds up a call.',
      ),
  })
  .describe('The tamper-evident audit log (SQLite in the state directory): one event per decision.');

export const tracingSchema = z
  .strictObject({
    endpoint: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe(
        'OTLP/HTTP traces URL (http://collector:4318/v1/traces). Unset: no spans are recorded, and a valid incoming `traceparent` is passed to upstreams unchanged.',
      ),
    sampleRatio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe("Fraction of new traces recorded; a caller's sampled flag decides for its own trace."),
    trustIncoming: z
      .boolean()
      .default(true)
      .describe(
        "Honour callers' `traceparent`. False: every request starts its own trace and only links to the caller's.",
      ),
    phaseSpans: z
      .boolean()
      .default(true)
      .describe('A child span per pipeline phase (false keeps the request and upstream spans only).'),
  })
  .describe(
    'OpenTelemetry traces: a span per request and per pipeline phase; W3C trace context sent to HTTP upstreams as headers and to every upstream in `_meta`.',
  );

export type AuditConfig = z.infer<typeof auditSchema>;
export type TracingConfig = z.infer<typeof tracingSchema>;
