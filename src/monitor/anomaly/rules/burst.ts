// anomaly.denial_burst and anomaly.error_burst: `count` denied (probing, a confused or hijacked agent) or
// errored (an agent hammering a broken or abused server) calls by one principal+agent within a window.
// Absolute thresholds: a handful of denials a day is normal, ten in a minute is not, whatever the history.
import type { AlertsConfig } from '../../../config/alerts-schema.ts';
import { type Finding, RULE_IDS, shown } from '../alert.ts';
import { BurstWindow } from '../burst-window.ts';
import type { CallObservation } from '../observation.ts';

type BurstConfig = AlertsConfig['rules']['denialBurst'];

export function newBurstState(config: BurstConfig): BurstWindow {
  return new BurstWindow(config.count, config.windowSeconds * 1000);
}

/** Counts a call with the burst's decision; reports when `count` of them fall within the window. */
export function checkBurst(
  state: BurstWindow,
  obs: CallObservation,
  kind: 'denied' | 'errored',
  config: BurstConfig,
): Finding | undefined {
  if (obs.decision !== kind) return undefined;
  const { burst, spanMs } = state.hit(obs.timeMs);
  if (!burst) return undefined;
  return {
    rule: kind === 'denied' ? RULE_IDS.denialBurst : RULE_IDS.errorBurst,
    severity: config.severity,
    message: `${config.count} ${kind} calls within ${Math.ceil(spanMs / 1000)}s (limit ${config.count} per ${config.windowSeconds}s), the last on server ${shown(obs.server)}`,
    evidence: {
      count: config.count,
      windowSeconds: config.windowSeconds,
      spanSeconds: Math.round(spanMs / 100) / 10,
      lastServer: obs.server ?? '',
      lastMethod: obs.method,
    },
    target: '',
  };
}
