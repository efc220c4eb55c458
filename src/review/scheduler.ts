// Scheduled reviews while the gateway runs (`review.intervalHours`). A timer checks now and then whether a review is
// due, measured from the last scheduled report stored in rampart.db, so a gateway restarted more often than the
// interval still reviews on time. Each report is stored; one with findings raises a `review.findings` alert (the
// alert hub records it in the audit log as `alert_raised`). Runs never overlap, and the timer never keeps the
// process alive.
import type { RampartConfig } from '../config/schema.ts';
import type { AlertHub } from '../monitor/alert-hub.ts';
import { RULE_IDS } from '../monitor/anomaly/alert.ts';
import type { Logger } from '../monitor/logger.ts';
import { FINDING_KINDS, type ReviewReport } from './report.ts';
import { ReviewStore } from './review-store.ts';
import { runReview } from './run-review.ts';

const HOUR_MS = 3_600_000;
/** The most a due review waits for the timer to notice it. */
const MAX_CHECK_MS = 15 * 60_000;

export interface Timers {
  setInterval(fn: () => void, ms: number): { unref?(): unknown };
  clearInterval(handle: { unref?(): unknown }): void;
}

export interface ReviewSchedulerOptions {
  readonly intervalMs: number;
  /** When the last scheduled review ran (ms), if ever. */
  readonly lastRun: () => number | undefined;
  /** Runs one review and does what follows it (store, alert). */
  readonly review: (now: number) => Promise<unknown>;
  readonly now: () => number;
  readonly onError: (err: unknown) => void;
  readonly timers?: Timers;
}

export class ReviewScheduler {
  private readonly options: ReviewSchedulerOptions;
  private readonly timers: Timers;
  private handle: { unref?(): unknown } | undefined;
  private running: Promise<boolean> | undefined;

  constructor(options: ReviewSchedulerOptions) {
    this.options = options;
    this.timers = options.timers ?? { setInterval, clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
  }

  /** Starts the timer (checking every interval, at most every 15 minutes). */
  start(): void {
    if (this.handle) return;
    const every = Math.min(this.options.intervalMs, MAX_CHECK_MS);
    this.handle = this.timers.setInterval(() => void this.tick(), every);
    this.handle.unref?.();
  }

  /** Runs a review if one is due and none is running; resolves to whether one ran. */
  tick(): Promise<boolean> {
    if (this.running) return this.running;
    const now = this.options.now();
    const last = this.options.lastRun();
    if (last !== undefined && now - last < this.options.intervalMs) return Promise.resolve(false);
    this.running = this.options
      .review(now)
      .then(
        () => true,
        (err: unknown) => {
          this.options.onError(err);
          return false;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer and waits for a running review. */
  async stop(): Promise<void> {
    if (this.handle) this.timers.clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }
}

export interface ScheduledReviewDeps {
  readonly config: RampartConfig;
  readonly configDir: string;
  readonly stateDir: string;
  readonly alerts: Pick<AlertHub, 'raiseSystem'>;
  readonly log: Logger;
  readonly now?: () => number;
  readonly timers?: Timers;
}

/** The gateway's review schedule, or undefined when `review.intervalHours` is not set. Call start() on it. */
export function scheduledReviews(deps: ScheduledReviewDeps): ReviewScheduler | undefined {
  const hours = deps.config.review?.intervalHours;
  if (hours === undefined) return undefined;
  const withStore = <T>(fn: (store: ReviewStore) => T): T => {
    const store = ReviewStore.open(deps.stateDir);
    try {
      return fn(store);
    } finally {
      store.close();
    }
  };
  return new ReviewScheduler({
    intervalMs: hours * HOUR_MS,
    now: deps.now ?? Date.now,
    lastRun: () => withStore((store) => store.lastTime('schedule')),
    review: async (now) => {
      const report = await runReview({
        config: { ...deps.config, stateDir: deps.stateDir },
        configDir: deps.configDir,
        now,
        source: 'schedule',
      });
      withStore((store) => store.save(report));
      announce(report, deps);
    },
    onError: (err) => deps.log.error('the scheduled permission review failed', { error: String(err) }),
    ...(deps.timers ? { timers: deps.timers } : {}),
  });
}

/** Logs a stored report; one with findings becomes a `review.findings` alert (counts only, no names). */
function announce(report: ReviewReport, deps: ScheduledReviewDeps): void {
  const total = report.summary.findings;
  if (total === 0) {
    deps.log.info('permission review: no findings', { report: report.id });
    return;
  }
  const counts: Record<string, number> = {};
  for (const kind of FINDING_KINDS)
    if (report.summary.byKind[kind] > 0) counts[kind] = report.summary.byKind[kind];
  deps.alerts.raiseSystem(
    RULE_IDS.reviewFindings,
    'low',
    `The permission review found ${total} finding${total === 1 ? '' : 's'} (rampart review show ${report.id}).`,
    { report: report.id, findings: total, ...counts },
  );
}
