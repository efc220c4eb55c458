// On how many distinct days a principal+agent was active in each hour of the day: 2 × 24 numbers. Counting days
// rather than calls keeps one busy night from making 3 a.m. "usual", and one early start from being noise
// forever after a second one.

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export class HourProfile {
  /** Days with activity in each hour of the day. */
  private readonly daysInHour = new Array<number>(24).fill(0);
  /** The last day counted for each hour (so a day counts once per hour). */
  private readonly lastDayInHour = new Array<number>(24).fill(Number.NaN);
  private lastActiveDay = Number.NaN;
  /** Days with any activity. */
  activeDays = 0;

  /** Hour of the day and day number of `t` in a zone `offsetMinutes` ahead of UTC. */
  static place(t: number, offsetMinutes: number): { readonly hour: number; readonly day: number } {
    const local = t + offsetMinutes * 60_000;
    const day = Math.floor(local / DAY_MS);
    return { hour: Math.floor((local - day * DAY_MS) / HOUR_MS), day };
  }

  days(hour: number): number {
    return this.daysInHour[hour] ?? 0;
  }

  record(hour: number, day: number): void {
    if (this.lastActiveDay !== day) {
      this.lastActiveDay = day;
      this.activeDays++;
    }
    if (this.lastDayInHour[hour] !== day) {
      this.lastDayInHour[hour] = day;
      this.daysInHour[hour] = (this.daysInHour[hour] ?? 0) + 1;
    }
  }
}
