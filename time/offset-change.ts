/** Whether a local day has a UTC offset change (a DST day), for flagging the runs that fall on one. */

import { addDays, type LocalDate } from './local-date';
import { startOfDay } from './wall-time';
import { localDateAt, offsetSecondsAt } from './zone-offset';

export interface OffsetChange {
  /** The offset in force as the day begins (just before its first instant: midnight may be in the gap), seconds east of UTC. */
  readonly before: number;
  /** The offset at the day's last second. */
  readonly after: number;
}

/** The offset change within `date` in `zone`, or null on a day without one (most days). */
export function offsetChangeOn(zone: string, date: LocalDate): OffsetChange | null {
  const before = offsetSecondsAt(zone, startOfDay(zone, date) - 1000);
  const after = offsetSecondsAt(zone, startOfDay(zone, addDays(date, 1)) - 1000);
  return before === after ? null : { before, after };
}

/** The offset change on the local day of the instant `epochMs` in `zone`, or null. */
export function offsetChangeOnDayOf(zone: string, epochMs: number): OffsetChange | null {
  return offsetChangeOn(zone, localDateAt(zone, epochMs));
}
