// anomaly.rate: many more calls in a short window than this principal+agent usually makes when active. The
// absolute floor (`minCalls`) keeps a quiet principal's small burst (5 calls after a day of 1) silent.
import type { AlertsConfig } from '../../../config/alerts-schema.ts';
import { type Finding, RULE_IDS } from '../alert.ts';
import type { CallObservation } from '../observation.ts';
import { WindowBaseline } from '../window-baseline.ts';

type RateConfig = AlertsConfig['rules']['rate'];

export function newRateState(config: RateConfig): WindowBaseline {
  return new WindowBaseline({
    windowMs: config.windowSeconds * 1000,
    multiplier: config.multiplier,
    floor: config.minCalls,
    minHistory: config.minHistoryWindows,
  });
}

/** Counts the call and reports the moment the rate first exceeds the threshold (once per excursion). */
export function checkRate(
  state: WindowBaseline,
  obs: CallObservation,
  config: RateConfig,
): Finding | undefined {
  state.add(obs.timeMs, 1);
  if (!state.crossed(obs.timeMs)) return undefined;
  const calls = Math.round(state.level(obs.timeMs));
  const baseline = round1(state.baseline);
  return {
    rule: RULE_IDS.rate,
    severity: config.severity,
    message: `${calls} calls within ${config.windowSeconds}s, usually about ${baseline} when active`,
    evidence: {
      calls,
      windowSeconds: config.windowSeconds,
      baselineCalls: baseline,
      thresholdCalls: round1(state.threshold()),
    },
    target: '',
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
