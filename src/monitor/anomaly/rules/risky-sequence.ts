// anomaly.risky_sequence: within one session (or principal+agent without a session), a private-data read
// followed within the window by a call that sends data out: the shape of an exfiltration, e.g. a prompt
// injection that makes the agent read a customer record and post it to a chat or URL. What counts as either
// is decided in ../call-class.ts. Only sequences that saw a private read take memory.
import type { AlertsConfig } from '../../../config/alerts-schema.ts';
import { type Finding, RULE_IDS, shown } from '../alert.ts';
import type { CallClassifier } from '../call-class.ts';
import type { CallObservation } from '../observation.ts';

type RiskyConfig = AlertsConfig['rules']['riskySequence'];

/** The latest private-data read of a sequence. */
export interface PrivateRead {
  readonly timeMs: number;
  readonly server: string | undefined;
  readonly name: string | undefined;
}

/**
 * Reports a send-out call that follows `last` within the window. Every such call reports (deduplication folds
 * them); the read is not consumed, since one read can leak through several sends.
 */
export function checkRiskySequence(
  last: PrivateRead | undefined,
  obs: CallObservation,
  classifier: CallClassifier,
  config: RiskyConfig,
): Finding | undefined {
  if (last === undefined || !classifier.sendsOut(obs)) return undefined;
  const elapsedMs = obs.timeMs - last.timeMs;
  if (elapsedMs < 0 || elapsedMs > config.windowSeconds * 1000) return undefined;
  const seconds = Math.round(elapsedMs / 1000);
  return {
    rule: RULE_IDS.riskySequence,
    severity: config.severity,
    message:
      `a private-data read (${shown(last.server)} ${shown(last.name)}) followed ${seconds}s later by a call ` +
      `that sends data out (${shown(obs.server)} ${shown(obs.name)})`,
    evidence: {
      readServer: last.server ?? '',
      readName: last.name === undefined ? '' : shown(last.name),
      sendServer: obs.server ?? '',
      sendName: obs.name === undefined ? '' : shown(obs.name),
      secondsAfterRead: seconds,
      windowSeconds: config.windowSeconds,
    },
    target: `${last.server ?? ''}>${obs.server ?? ''}`,
  };
}
