// anomaly.unusual_hour: a call in an hour of the day in which this principal+agent has (almost) never been
// active, once it has been active on enough days to have a rhythm. Hours are local to the configured offset.
// An hour is usual when it, or the hour before or after it, saw activity on `minDaysInHour` days: starting an
// hour early, staying an hour late or working through lunch is not news; 3 a.m. for a 9-to-5 principal is.
// Raised at most once per clock hour; after activity on `minDaysInHour` days the hour itself is usual.
import type { AlertsConfig } from '../../../config/alerts-schema.ts';
import { type Finding, RULE_IDS } from '../alert.ts';
import { HourProfile } from '../hour-profile.ts';
import type { CallObservation } from '../observation.ts';

type UnusualHourConfig = AlertsConfig['rules']['unusualHour'];

export interface UnusualHourState {
  readonly profile: HourProfile;
  /** The clock hour (since the epoch) last reported. */
  raisedHour: number;
}

export function newUnusualHourState(): UnusualHourState {
  return { profile: new HourProfile(), raisedHour: Number.NaN };
}

/** Judges the call's hour against the history before it, then records it. */
export function checkUnusualHour(
  state: UnusualHourState,
  obs: CallObservation,
  config: UnusualHourConfig,
  offsetMinutes: number,
  learning: boolean,
): Finding | undefined {
  const { hour, day } = HourProfile.place(obs.timeMs, offsetMinutes);
  const clockHour = day * 24 + hour;
  const { profile } = state;
  const daysInHour = profile.days(hour);
  const daysNearHour = Math.max(daysInHour, profile.days((hour + 23) % 24), profile.days((hour + 1) % 24));
  const unusual =
    !learning &&
    profile.activeDays >= config.minActiveDays &&
    daysNearHour < config.minDaysInHour &&
    state.raisedHour !== clockHour;
  const activeDays = profile.activeDays;
  profile.record(hour, day);
  if (!unusual) return undefined;
  state.raisedHour = clockHour;
  const span = `${pad(hour)}:00–${pad((hour + 1) % 24)}:00 ${zone(offsetMinutes)}`;
  return {
    rule: RULE_IDS.unusualHour,
    severity: config.severity,
    message: `activity at ${span}, an hour this principal+agent (almost) never works in: active in it or next to it on ${daysNearHour} of ${activeDays} days`,
    evidence: {
      hour,
      timeZoneOffsetMinutes: offsetMinutes,
      daysActiveInHour: daysInHour,
      daysActiveNearHour: daysNearHour,
      activeDays,
    },
    target: '',
  };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function zone(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'UTC';
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
