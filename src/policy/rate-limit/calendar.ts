// Calendar days in a time zone, for daily quotas: which local day an instant falls on and the instant that day
// ends. Found by searching the instants (not by adding 24 hours), so days of 23 or 25 hours around daylight-saving
// changes, and zones whose clocks skip midnight itself, end exactly when the local date changes.

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let found = formatters.get(timezone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timezone, found);
  }
  return found;
}

/** The local calendar date of `ms` in `timezone`, as `YYYY-MM-DD`. */
export function localDay(ms: number, timezone: string): string {
  let year = '';
  let month = '';
  let day = '';
  for (const part of formatter(timezone).formatToParts(ms)) {
    if (part.type === 'year') year = part.value;
    else if (part.type === 'month') month = part.value;
    else if (part.type === 'day') day = part.value;
  }
  return `${year}-${month}-${day}`;
}

/** Longer than any local day (25 h at a daylight-saving change, plus slack for historic offsets). */
const SEARCH_SPAN_MS = 50 * 3_600_000;

/** The first instant (ms) after `ms` that falls on a later local date: local midnight, or where the day starts. */
export function nextDayStart(ms: number, timezone: string): number {
  const today = localDay(ms, timezone);
  let low = Math.floor(ms); // still today
  let high = low + SEARCH_SPAN_MS; // surely a later day
  while (high - low > 1) {
    const mid = low + Math.floor((high - low) / 2);
    if (localDay(mid, timezone) === today) low = mid;
    else high = mid;
  }
  return high;
}

/** The current local day and its end, computed once per day and time zone. */
export class DayClock {
  /** Per time zone: every instant in [fromMs, endMs) falls on `day` (local dates never go backwards). */
  private readonly cache = new Map<string, { day: string; fromMs: number; endMs: number }>();

  /** The local day of `ms` in `timezone` and the instant it ends. */
  at(ms: number, timezone: string): { day: string; endMs: number } {
    const cached = this.cache.get(timezone);
    if (cached && ms >= cached.fromMs && ms < cached.endMs) return cached;
    const fresh = { day: localDay(ms, timezone), fromMs: ms, endMs: nextDayStart(ms, timezone) };
    this.cache.set(timezone, fresh);
    return fresh;
  }
}
