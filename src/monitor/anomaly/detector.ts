// The anomaly detector: fed one CallObservation after every request, it keeps per principal+agent baselines and
// raises alerts through `onAlert` (the runtime records each as an `alert_raised` audit event and hands it to
// the webhook).
//
// Where the state lives: in this object, in memory, per process. Nothing is persisted, so a restart forgets
// every baseline and starts each principal+agent's learning period again (first uses and unusual hours are
// silent until it ends; rate and volume rules wait for `minHistoryWindows` again); pending dedup counts and
// recent private reads are lost too. Several replicas each learn from the traffic they see. Every table is a
// BoundedLru (`maxPrincipals`, `maxTargetsPerPrincipal`, `maxSessions`, dedup keys), so a flood of distinct
// principals, agents or sessions costs bounded memory; its price is that evicted baselines learn afresh (an
// attacker able to mint many identities can push a victim's baseline back into learning, not hide a burst).

import { eventId } from '../../audit/event-id.ts';
import type { AlertsConfig } from '../../config/alerts-schema.ts';
import type { Alert, Finding } from './alert.ts';
import type { BurstWindow } from './burst-window.ts';
import { type CallClassifier, callClassifier } from './call-class.ts';
import { Deduplicator } from './dedup.ts';
import { BoundedLru } from './lru.ts';
import { ANONYMOUS, type CallObservation, keyPart, sequenceKey, subjectKey } from './observation.ts';
import { checkBurst, newBurstState } from './rules/burst.ts';
import { checkDataOut, newDataOutState } from './rules/data-out.ts';
import { checkFirstUse, type FirstUseState, newFirstUseState } from './rules/first-use.ts';
import { checkRate, newRateState } from './rules/rate.ts';
import { checkRiskySequence, type PrivateRead } from './rules/risky-sequence.ts';
import { checkUnusualHour, newUnusualHourState, type UnusualHourState } from './rules/unusual-hour.ts';
import type { WindowBaseline } from './window-baseline.ts';

export interface AnomalyDetectorOptions {
  /** Wall clock in ms (injected): the time of raised alerts and of deduplication. */
  readonly now: () => number;
  readonly onAlert: (alert: Alert) => void;
  /** Told about a failure inside `observe` or `onAlert`, which never reaches the request path. */
  readonly onError?: ((err: unknown) => void) | undefined;
  /** Separator of exposed names (`<namespace><sep><tool>`), for the tool globs of the matchers. */
  readonly separator?: string | undefined;
}

interface SubjectState {
  readonly firstSeenMs: number;
  readonly rate: WindowBaseline;
  readonly dataOut: WindowBaseline;
  readonly firstUse: FirstUseState;
  readonly hours: UnusualHourState;
  readonly denials: BurstWindow;
  readonly errors: BurstWindow;
}

// Each principal+agent holds a handful of rule targets; this leaves room for them without letting one
// principal's churn push everyone else's pending counts out.
const DEDUP_KEYS_PER_PRINCIPAL = 4;

export class AnomalyDetector {
  private readonly config: AlertsConfig;
  private readonly options: AnomalyDetectorOptions;
  private readonly subjects: BoundedLru<string, SubjectState>;
  private readonly sequences: BoundedLru<string, PrivateRead>;
  private readonly dedup: Deduplicator;
  private readonly classifier: CallClassifier;
  private readonly learningMs: number;

  constructor(config: AlertsConfig, options: AnomalyDetectorOptions) {
    this.config = config;
    this.options = options;
    this.subjects = new BoundedLru(config.maxPrincipals);
    this.sequences = new BoundedLru(config.maxSessions);
    this.dedup = new Deduplicator(
      config.dedupWindowSeconds * 1000,
      config.maxPrincipals * DEDUP_KEYS_PER_PRINCIPAL,
    );
    this.classifier = callClassifier(config.rules.riskySequence, options.separator);
    this.learningMs = config.learningPeriodHours * 3_600_000;
  }

  /** Sizes of the in-memory tables (each bounded by the config). */
  stats(): { readonly principals: number; readonly sessions: number; readonly dedupKeys: number } {
    return { principals: this.subjects.size, sessions: this.sequences.size, dedupKeys: this.dedup.size };
  }

  /** Feeds one finished request to every rule; raises what they find. Never throws. */
  observe(obs: CallObservation): void {
    // A time that is not a number would poison every window of the principal for good.
    if (!this.config.enabled || !Number.isFinite(obs.timeMs)) return;
    try {
      for (const finding of this.evaluate(obs)) this.raise(finding, obs);
    } catch (err) {
      this.reportError(err);
    }
  }

  private reportError(err: unknown): void {
    try {
      this.options.onError?.(err);
    } catch {
      // The error reporter failing too leaves nothing to tell; the request path must still not see it.
    }
  }

  private evaluate(obs: CallObservation): Finding[] {
    const { rules } = this.config;
    const subject = this.subjects.getOrCreate(subjectKey(obs), () => this.newSubject(obs.timeMs));
    const learning = obs.timeMs - subject.firstSeenMs < this.learningMs;
    const found: (Finding | undefined)[] = [];
    // A disabled rule neither learns nor judges.
    if (rules.rate.enabled) found.push(checkRate(subject.rate, obs, rules.rate));
    if (rules.firstUse.enabled) found.push(checkFirstUse(subject.firstUse, obs, rules.firstUse, learning));
    if (rules.unusualHour.enabled) {
      found.push(
        checkUnusualHour(subject.hours, obs, rules.unusualHour, this.config.timeZoneOffsetMinutes, learning),
      );
    }
    if (rules.denialBurst.enabled) found.push(checkBurst(subject.denials, obs, 'denied', rules.denialBurst));
    if (rules.errorBurst.enabled) found.push(checkBurst(subject.errors, obs, 'errored', rules.errorBurst));
    if (rules.dataOut.enabled) found.push(checkDataOut(subject.dataOut, obs, rules.dataOut));
    if (rules.riskySequence.enabled) found.push(this.riskySequence(obs));
    return found.filter((f): f is Finding => f !== undefined);
  }

  private riskySequence(obs: CallObservation): Finding | undefined {
    const key = sequenceKey(obs);
    const config = this.config.rules.riskySequence;
    // The send is judged against earlier reads before this call's own read is recorded.
    const finding = checkRiskySequence(this.sequences.get(key), obs, this.classifier, config);
    if (this.classifier.privateRead(obs)) {
      this.sequences.set(key, { timeMs: obs.timeMs, server: obs.server, name: obs.name });
    }
    return finding;
  }

  private newSubject(timeMs: number): SubjectState {
    const { rules } = this.config;
    return {
      firstSeenMs: timeMs,
      rate: newRateState(rules.rate),
      dataOut: newDataOutState(rules.dataOut),
      firstUse: newFirstUseState(this.config.maxTargetsPerPrincipal),
      hours: newUnusualHourState(),
      denials: newBurstState(rules.denialBurst),
      errors: newBurstState(rules.errorBurst),
    };
  }

  private raise(finding: Finding, obs: CallObservation): void {
    const nowMs = this.options.now();
    const dedupKey = [
      finding.rule,
      keyPart(obs.principal ?? ANONYMOUS),
      keyPart(obs.agent ?? ''),
      finding.target,
    ].join('|');
    const { raise, suppressed } = this.dedup.admit(dedupKey, nowMs);
    if (!raise) return;
    const alert: Alert = {
      id: eventId(nowMs),
      rule: finding.rule,
      severity: finding.severity,
      time: new Date(nowMs).toISOString(),
      principal: obs.principal,
      principalRef: obs.principalRef,
      agent: obs.agent,
      sessionId: obs.sessionId,
      server: obs.server,
      name: obs.name,
      message: finding.message,
      evidence: finding.evidence,
      dedupKey,
      suppressed,
    };
    try {
      this.options.onAlert(alert);
    } catch (err) {
      this.reportError(err);
    }
  }
}
