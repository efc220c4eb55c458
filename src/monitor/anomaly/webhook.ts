// Delivers alerts to the operator's webhook: one signed POST per alert (see webhook-signature.ts for how a
// receiver verifies), in order, from a bounded queue, with a bounded number of retries and exponential backoff.
// `notify` never throws and never waits: the request path must not slow down because a receiver is down.
// A dropped or failed delivery loses nothing for good, since every alert is also an audit event.
//
// The URL comes from the operator's config, but it is still SSRF-guarded (a typo or a compromised config must
// not make Rampart POST into the cloud metadata service): https only and public addresses only, unless
// `allowPrivateNetwork` allows http and loopback/private addresses for an internal receiver; link-local and
// reserved addresses never. Literal addresses are checked up front, names on every connection (guardedLookup),
// and redirects are not followed. The URL itself is never logged: a Slack webhook URL is a credential.
import { Agent, type Dispatcher, request } from 'undici';
import type { AlertsWebhookConfig } from '../../config/alerts-schema.ts';
import { RampartError } from '../../errors.ts';
import { readSecret } from '../../upstream/credentials/secret.ts';
import { checkUrl, guardedLookup, type UrlPolicy } from '../../upstream/credentials/ssrf-guard.ts';
import type { Logger } from '../logger.ts';
import { type Alert, type AlertSeverity, severityAtLeast } from './alert.ts';
import { slackPayload } from './slack-payload.ts';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './webhook-signature.ts';

export interface WebhookNotifierOptions {
  readonly url: string;
  /** Read at each delivery, so a rotated secret file or variable takes effect without a restart. */
  readonly secret: () => string;
  readonly minSeverity?: AlertSeverity | undefined;
  readonly allowPrivateNetwork?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  readonly maxAttempts?: number | undefined;
  readonly maxQueue?: number | undefined;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  readonly initialBackoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  /** Wall clock in ms, for the signature timestamp. */
  readonly now?: (() => number) | undefined;
  readonly log?: Logger | undefined;
}

export interface WebhookStats {
  readonly sent: number;
  /** Gave up after the last attempt, or on an answer that retrying cannot fix. */
  readonly failed: number;
  /** Did not fit in the queue, or still queued at close. */
  readonly dropped: number;
  /** Below `minSeverity`. */
  readonly filtered: number;
}

interface Job {
  readonly alert: Alert;
  attempts: number;
}

type Outcome = 'sent' | 'retry' | 'failed';

/** Builds the notifier of an `alerts.webhook` config; throws on a refused URL or an unreadable secret. */
export function webhookNotifierFromConfig(
  config: AlertsWebhookConfig,
  deps: { readonly baseDir: string; readonly now?: () => number; readonly log?: Logger },
): WebhookNotifier {
  const secret = () => readSecret(config.secret, deps.baseDir);
  // Fail at start rather than on the first alert; later reads pick up rotation.
  secret();
  return new WebhookNotifier({
    url: config.url,
    secret,
    minSeverity: config.minSeverity,
    allowPrivateNetwork: config.allowPrivateNetwork,
    timeoutMs: config.timeoutMs,
    maxAttempts: config.maxAttempts,
    maxQueue: config.maxQueue,
    now: deps.now,
    log: deps.log,
  });
}

export class WebhookNotifier {
  private readonly url: URL;
  private readonly secret: () => string;
  private readonly minSeverity: AlertSeverity;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxQueue: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly agent: Agent;
  private readonly queue: Job[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  private busy = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private counts = { sent: 0, failed: 0, dropped: 0, filtered: 0 };

  /** Throws RAMPART_SSRF_BLOCKED when the URL is not allowed. */
  constructor(options: WebhookNotifierOptions) {
    const allow = options.allowPrivateNetwork === true;
    const policy: UrlPolicy = { allowHttp: allow, allowLoopback: allow, allowPrivate: allow };
    this.url = checkUrl(options.url, policy, 'alerts.webhook.url');
    this.secret = options.secret;
    this.minSeverity = options.minSeverity ?? 'medium';
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.maxQueue = Math.max(1, options.maxQueue ?? 1000);
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.agent = new Agent({
      keepAliveTimeout: 5_000,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      connect: { timeout: this.timeoutMs, lookup: guardedLookup(policy) } as Agent.Options['connect'],
    });
  }

  get stats(): WebhookStats {
    return { ...this.counts };
  }

  /** Queues the alert for delivery if it is severe enough; returns at once and never throws. */
  notify(alert: Alert): void {
    if (this.closed) return;
    if (!severityAtLeast(alert.severity, this.minSeverity)) {
      this.counts.filtered++;
      return;
    }
    if (this.queue.length >= this.maxQueue) {
      this.counts.dropped++;
      this.log?.warn('alert webhook queue full; alert not sent (it is in the audit log)', {
        alertId: alert.id,
        queued: this.queue.length,
      });
      return;
    }
    this.queue.push({ alert, attempts: 0 });
    this.pump();
  }

  /** Resolves once nothing is queued, waiting for a retry or in flight. */
  idle(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops retrying, drops what is queued, waits for the delivery in flight and closes connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.busy = false;
    }
    this.counts.dropped += this.queue.length;
    this.queue.length = 0;
    // Wakes whoever waits in idle() unless a delivery is in flight (its end wakes them).
    this.pump();
    await this.idle();
    await this.agent.close();
  }

  private pump(): void {
    if (this.busy) return;
    const job = this.queue.shift();
    if (!job || this.closed) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
      return;
    }
    this.busy = true;
    void this.attempt(job);
  }

  private async attempt(job: Job): Promise<void> {
    job.attempts++;
    let outcome: Outcome;
    try {
      outcome = await this.deliver(job);
    } catch (err) {
      // deliver() handles every failure it knows of; anything else must still not escape as a rejection.
      this.warn(job, 'unexpected error', err);
      outcome = 'failed';
    }
    if (outcome === 'retry' && job.attempts < this.maxAttempts && !this.closed) {
      // Keep order: the job goes back to the head and the queue waits with it.
      this.queue.unshift(job);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.busy = false;
        this.pump();
      }, this.backoff(job.attempts));
      // A pending retry must not keep the process alive at shutdown.
      this.retryTimer.unref();
      return;
    }
    if (outcome === 'sent') this.counts.sent++;
    else this.counts.failed++;
    this.busy = false;
    this.pump();
  }

  private backoff(attempts: number): number {
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempts - 1));
    // Jitter spreads the retries of several replicas hitting one receiver.
    return Math.round(base * (0.8 + 0.4 * Math.random()));
  }

  private async deliver(job: Job): Promise<Outcome> {
    const { alert } = job;
    let body: string;
    let signature: string;
    const timestamp = String(Math.floor(this.now() / 1000));
    try {
      body = JSON.stringify(slackPayload(alert));
      signature = signWebhookBody(this.secret(), timestamp, body);
    } catch (err) {
      this.warn(job, 'cannot sign', err);
      return 'failed';
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await request(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'rampart-alerts/1',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signature,
          'x-rampart-alert-id': alert.id,
        },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const refused = refusal(err);
      this.warn(job, refused ? 'refused' : 'network error', refused ?? err);
      return refused ? 'failed' : 'retry';
    }
    await res.body.dump().catch(() => undefined);
    const status = res.statusCode;
    if (status >= 200 && status < 300) return 'sent';
    this.warn(job, `HTTP ${status}`);
    // 408, 429 and 5xx may pass; any other answer (including a redirect, which is not followed) will not.
    return status === 408 || status === 429 || status >= 500 ? 'retry' : 'failed';
  }

  private warn(job: Job, what: string, err?: unknown): void {
    this.log?.warn(`alert webhook delivery failed: ${what}`, {
      alertId: job.alert.id,
      attempt: job.attempts,
      of: this.maxAttempts,
      host: this.url.host,
      ...(err === undefined ? {} : { error: err instanceof RampartError ? err.code : errorText(err) }),
    });
  }
}

/** The SSRF guard's refusal inside a network error, if that is what it was. */
function refusal(err: unknown): RampartError | undefined {
  for (let cause = err; cause instanceof Error; cause = (cause as Error & { cause?: unknown }).cause) {
    if (cause instanceof RampartError) return cause;
  }
  return undefined;
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}
