// The contract between the audit log and its forwarding sinks. The log calls `forward` after each committed
// batch and `checkpoint` after each signed checkpoint; a sink copies them somewhere else (a JSONL file, a SIEM,
// an OpenTelemetry collector) in the background. The SQLite log stays authoritative: a sink that cannot keep up
// drops and counts instead of slowing the gateway (the log is where "nothing is lost" holds).
import type { AuditSinkConfig } from '../../config/audit-sinks-schema.ts';
import type { Logger } from '../../monitor/logger.ts';
import type { CommittedRecord } from '../audit-log.ts';
import type { SignedCheckpoint } from '../checkpoint.ts';
import { createJsonlSink } from './jsonl-sink.ts';
import { createOtlpLogsSink } from './otlp-logs-sink.ts';
import { createSyslogSink } from './syslog-sink.ts';

/** One committed entry, as the audit log's `onCommitted` hands it over. */
export type { CommittedRecord } from '../audit-log.ts';

export interface ForwarderStats {
  /** Items (entries and checkpoints) delivered. */
  sent: number;
  /** Items given up on: queue full, or a batch that failed too often or was refused for good. */
  dropped: number;
  /** Failed delivery attempts (connection, handshake, write or HTTP errors). */
  failed: number;
  /** Items waiting. */
  queued: number;
}

export interface AuditForwarder {
  readonly name: string;
  /** Never throws and never blocks the caller; queues (bounded) and sends in the background. */
  forward(records: readonly CommittedRecord[]): void;
  checkpoint?(cp: SignedCheckpoint): void;
  stats(): ForwarderStats;
  /** Flushes what is queued (bounded wait), then closes connections/files. */
  close(): Promise<void>;
}

export interface ForwarderDeps {
  readonly log: Logger;
  /** Relative paths in a sink's config (files, CA bundles, secret files) are resolved against it. */
  readonly baseDir: string;
  /** The checkpoint signing key, for the JSONL header (so the file verifies on its own). */
  readonly publicKeyPem: string;
  readonly keyId: string;
}

/**
 * One forwarder per configured sink, named `<type>[<index>]`. Throws on a config that cannot work (an endpoint
 * the SSRF guard refuses, an unreadable CA bundle), so the gateway refuses to start rather than run without it.
 */
export function createForwarders(configs: AuditSinkConfig[], deps: ForwarderDeps): AuditForwarder[] {
  const created: AuditForwarder[] = [];
  try {
    configs.forEach((config, index) => {
      const name = `${config.type}[${index}]`;
      const log = deps.log.child({ component: 'audit-sink', sink: name });
      const sinkDeps = { ...deps, log };
      switch (config.type) {
        case 'jsonl':
          created.push(createJsonlSink(name, config, sinkDeps));
          break;
        case 'syslog':
          created.push(createSyslogSink(name, config, sinkDeps));
          break;
        case 'otlp':
          created.push(createOtlpLogsSink(name, config, sinkDeps));
          break;
      }
    });
  } catch (err) {
    // The ones already made hold files or sockets.
    for (const forwarder of created) void forwarder.close();
    throw err;
  }
  return created;
}
