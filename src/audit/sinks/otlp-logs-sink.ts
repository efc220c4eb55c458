// The OpenTelemetry sink: batches of log records POSTed as OTLP/HTTP JSON to a collector's logs endpoint.
// Written by hand (one JSON document and one POST) instead of @opentelemetry/sdk-logs + the OTLP exporter: those
// would add a second queue and retry policy with their own drop accounting, while this one reuses the sinks'
// bounded queue, counters and close bound, and adds no dependency.
//
// Retries follow the OTLP/HTTP spec's spirit: 408, 429 and 5xx are retried with backoff up to `maxAttempts`
// times per batch, then the batch is dropped and counted; any other non-2xx is a refusal of the data itself and
// drops the batch at once. Header values are secret references read at send time (so a rotated secret takes
// effect) and never logged.
import { Agent, request } from 'undici';
import type { OtlpSinkConfig } from '../../config/audit-sinks-schema.ts';
import { readSecret } from '../../upstream/credentials/secret.ts';
import { checkUrl, guardedLookup, type UrlPolicy } from '../../upstream/credentials/ssrf-guard.ts';
import { type DeliveryTuning, queuedForwarder, SinkError } from './delivery.ts';
import type { AuditForwarder, ForwarderDeps } from './forwarder.ts';
import { exportLogsRequests } from './otlp-format.ts';

// The endpoint is the operator's own choice, so plain http and private or loopback collectors are fine; what is
// refused is link-local (cloud metadata) and reserved space, also when a name resolves there.
const POLICY: UrlPolicy = { allowHttp: true, allowLoopback: true, allowPrivate: true };

export interface OtlpSinkTuning extends Partial<DeliveryTuning> {
  readonly requestTimeoutMs?: number;
}

function retryable(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Throws RAMPART_SSRF_BLOCKED for an endpoint that is not http(s) or points to a forbidden address. */
export function createOtlpLogsSink(
  name: string,
  config: OtlpSinkConfig,
  deps: Pick<ForwarderDeps, 'log' | 'baseDir'>,
  tuning: OtlpSinkTuning = {},
): AuditForwarder {
  const url = checkUrl(config.endpoint, POLICY, 'the OTLP logs endpoint');
  const timeoutMs = tuning.requestTimeoutMs ?? 10_000;
  const agent = new Agent({
    keepAliveTimeout: 10_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connect: { timeout: timeoutMs, lookup: guardedLookup(POLICY) } as Agent.Options['connect'],
  });
  const headerRefs = Object.entries(config.headers);
  // Never the query (it may carry a key) or the header values.
  deps.log.info('audit sink ready', {
    endpoint: `${url.origin}${url.pathname}`,
    headers: headerRefs.map(([k]) => k),
  });
  return queuedForwarder(name, {
    log: deps.log,
    maxQueued: config.maxQueued,
    tuning: { maxBatch: 512, maxAttempts: 5, ...tuning },
    transport: {
      async send(batch) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        for (const [header, ref] of headerRefs) headers[header.toLowerCase()] = readSecret(ref, deps.baseDir);
        // A batch too large for one request goes as several, in order; a failure retries all of them (at least
        // once, like every sink).
        for (const body of exportLogsRequests(batch, Date.now())) {
          let status: number;
          try {
            const res = await request(url, {
              method: 'POST',
              headers,
              body,
              dispatcher: agent,
              signal: AbortSignal.timeout(timeoutMs),
            });
            status = res.statusCode;
            await res.body.dump({ limit: 64 * 1024 });
          } catch (err) {
            throw new SinkError(err instanceof Error ? err.message : 'request failed', true, { cause: err });
          }
          if (status < 200 || status > 299) {
            throw new SinkError(`the collector answered HTTP ${status}`, retryable(status));
          }
        }
      },
      close: () => agent.destroy(),
    },
  });
}
