/**
 * The firing rule of a daily process: at local wall time hour:minute, once on every local day.
 *
 * The instant on a date is resolveWallTime's ('compatible'): a time in a gap moves forward by the
 * gap (02:30 becomes 03:30 when clocks jump from 02:00 to 03:00), a time in a fold takes the earlier
 * of its two instants. A date a zone skipped entirely resolves onto the next date's instant, so one
 * instant can stand for two dates: it fires once.
 */

import { addDays, type LocalDate } from './local-date';
import { resolveWallTime } from './wall-time';
import { localDateAt } from './zone-offset';

export interface DailyTime {
  readonly hour: number;
  readonly minute: number;
}

/** The instant (epoch ms) a daily time fires on a local date. */
export function firingOn(zone: string, date: LocalDate, time: DailyTime): number {
  return resolveWallTime(zone, date, time.hour * 3600 + time.minute * 60);
}

/** Every firing instant in [fromMs, toMs], ascending, each once. */
export function firingTimesBetween(zone: string, time: DailyTime, fromMs: number, toMs: number): number[] {
  if (!(toMs >= fromMs)) return [];
  const times: number[] = [];
  // A local date's instant can lie a little before or after its own date's span in UTC, so look
  // one date beyond each end.
  const last = addDays(localDateAt(zone, toMs), 1);
  for (let date = addDays(localDateAt(zone, fromMs), -1); !isAfter(date, last); date = addDays(date, 1)) {
    const at = firingOn(zone, date, time);
    if (at >= fromMs && at <= toMs && times[times.length - 1] !== at) times.push(at);
  }
  return times;
}

/** The first firing instant strictly after `afterMs`. */
export function nextFiringAfter(zone: string, time: DailyTime, afterMs: number): number {
  for (let date = addDays(localDateAt(zone, afterMs), -1); ; date = addDays(date, 1)) {
    const at = firingOn(zone, date, time);
    if (at > afterMs) return at;
  }
}

/** The last firing instant at or before `atMs`. */
export function lastFiringAtOrBefore(zone: string, time: DailyTime, atMs: number): number {
  for (let date = addDays(localDateAt(zone, atMs), 1); ; date = addDays(date, -1)) {
    const at = firingOn(zone, date, time);
    if (at <= atMs) return at;
  }
}

function isAfter(a: LocalDate, b: LocalDate): boolean {
  return a.year !== b.year ? a.year > b.year : a.month !== b.month ? a.month > b.month : a.day > b.day;
}
