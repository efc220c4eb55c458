// anomaly.data_out: far more result bytes returned to the agent in a window than this principal+agent usually
// receives: the shape of a bulk export (the data leaves the servers through the agent). `minBytes` keeps small
// absolute volumes silent however low the baseline.
import type { AlertsConfig } from '../../../config/alerts-schema.ts';
import { type Finding, RULE_IDS } from '../alert.ts';
import type { CallObservation } from '../observation.ts';
import { WindowBaseline } from '../window-baseline.ts';

type DataOutConfig = AlertsConfig['rules']['dataOut'];

export function newDataOutState(config: DataOutConfig): WindowBaseline {
  return new WindowBaseline({
    windowMs: config.windowSeconds * 1000,
    multiplier: config.multiplier,
    floor: config.minBytes,
    minHistory: config.minHistoryWindows,
  });
}

/** Adds the call's result bytes and reports the moment the volume first exceeds the threshold. */
export function checkDataOut(
  state: WindowBaseline,
  obs: CallObservation,
  config: DataOutConfig,
): Finding | undefined {
  const bytes = Number.isFinite(obs.bytesOut) && obs.bytesOut > 0 ? obs.bytesOut : 0;
  state.add(obs.timeMs, bytes);
  if (!state.crossed(obs.timeMs)) return undefined;
  const level = Math.round(state.level(obs.timeMs));
  const baseline = Math.round(state.baseline);
  return {
    rule: RULE_IDS.dataOut,
    severity: config.severity,
    message: `${mib(level)} returned within ${config.windowSeconds}s, usually about ${mib(baseline)} when active`,
    evidence: {
      bytes: level,
      windowSeconds: config.windowSeconds,
      baselineBytes: baseline,
      thresholdBytes: Math.round(state.threshold()),
    },
    target: '',
  };
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
