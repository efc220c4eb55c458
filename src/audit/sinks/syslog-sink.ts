// The syslog sink: audit entries and checkpoints as RFC 5424 or CEF messages to a SIEM over UDP, TCP or TLS.
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import path from 'node:path';
import { SYSLOG_FACILITIES, type SyslogSinkConfig } from '../../config/audit-sinks-schema.ts';
import { cefCheckpoint, cefEntry } from './cef-format.ts';
import { type DeliveryTuning, queuedForwarder, SinkError, type SinkItem } from './delivery.ts';
import type { AuditForwarder, ForwarderDeps } from './forwarder.ts';
import { syslogSeverity } from './severity.ts';
import { rfc5424Checkpoint, rfc5424Entry, type SyslogIdentity, syslogMessage } from './syslog-format.ts';
import {
  type MessageTransport,
  type StreamOptions,
  streamTransport,
  udpTransport,
} from './syslog-transport.ts';

export interface SyslogSinkTuning extends Partial<DeliveryTuning> {
  readonly connectTimeoutMs?: number;
  readonly writeTimeoutMs?: number;
}

/** Builds the messages of one sink: the format is fixed at creation, so this is all pure. */
export function syslogFormatter(
  config: Pick<
    SyslogSinkConfig,
    'format' | 'transport' | 'facility' | 'appName' | 'hostname' | 'maxMessageBytes'
  >,
): (item: SinkItem) => Buffer {
  const facility =
    typeof config.facility === 'number' ? config.facility : SYSLOG_FACILITIES.indexOf(config.facility);
  const identity: SyslogIdentity = {
    facility,
    hostname: config.hostname ?? osHostname(),
    appName: config.appName,
    procId: String(process.pid),
  };
  const maxBytes = config.maxMessageBytes ?? (config.transport === 'udp' ? 2048 : 8192);
  if (config.format === 'rfc5424') {
    return (item) =>
      item.kind === 'entry'
        ? rfc5424Entry(identity, item.record, maxBytes)
        : rfc5424Checkpoint(identity, item.checkpoint, maxBytes);
  }
  // CEF rides in the MSG of an RFC 5424 message without structured data (see cef-format.ts for why).
  return (item) =>
    syslogMessage(
      identity,
      item.kind === 'entry'
        ? {
            severity: syslogSeverity(item.record.event),
            timestamp: item.record.event.time,
            msgId: item.record.event.decision,
            sd: [],
            msg: (budget) => cefEntry(item.record, identity.hostname, budget),
          }
        : {
            severity: 5,
            timestamp: item.checkpoint.time,
            msgId: 'checkpoint',
            sd: [],
            msg: (budget) => cefCheckpoint(item.checkpoint, identity.hostname, budget),
          },
      maxBytes,
    );
}

export function createSyslogSink(
  name: string,
  config: SyslogSinkConfig,
  deps: Pick<ForwarderDeps, 'log' | 'baseDir'>,
  tuning: SyslogSinkTuning = {},
): AuditForwarder {
  const format = syslogFormatter(config);
  let transport: MessageTransport;
  if (config.transport === 'udp') {
    transport = udpTransport(config.host, config.port);
  } else {
    const options: StreamOptions = {
      host: config.host,
      port: config.port,
      // Read once at start: a missing CA bundle is a configuration error, not a delivery failure.
      ca: config.ca === undefined ? undefined : readFileSync(path.resolve(deps.baseDir, config.ca)),
      serverName: config.serverName,
      ...(tuning.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: tuning.connectTimeoutMs }),
      ...(tuning.writeTimeoutMs === undefined ? {} : { writeTimeoutMs: tuning.writeTimeoutMs }),
    };
    transport = streamTransport(config.transport, options);
  }
  deps.log.info('audit sink ready', {
    format: config.format,
    transport: config.transport,
    host: config.host,
    port: config.port,
  });
  return queuedForwarder(name, {
    log: deps.log,
    maxQueued: config.maxQueued,
    tuning,
    transport: {
      send: (batch) => {
        let messages: Buffer[];
        try {
          messages = batch.map(format);
        } catch (err) {
          // Retrying cannot help a record that cannot be formatted, and it must not hold up the ones after it.
          throw new SinkError(`cannot format: ${String(err)}`, false);
        }
        return transport.send(messages);
      },
      close: () => transport.close(),
    },
  });
}
