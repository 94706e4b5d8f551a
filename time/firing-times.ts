/**
 * The firing rule of a daily process: at local wall time hour:minute, once on every local day.
 *
 * The instant on a date is resolveWallTime's ('compatible'): a time in a gap moves forward by the
 * gap (02:30 becomes 03:30 when clocks jump from 02:00 to 03:00), a time in a fold takes the earlier
 * of its two instants. A date a zone skipped entirely resolves onto the next date's instant, so one
 * instant can stand for two dates: it fires once.
 */

import { addDays, epochDayOf, SECONDS_PER_DAY, utcMidnightMs, type LocalDate } from './local-date';
import { resolveWallTime } from './wall-time';
import { localDateAt, offsetSecondsAt } from './zone-offset';

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
  const first = addDays(localDateAt(zone, fromMs), -1);
  const days = epochDayOf(addDays(localDateAt(zone, toMs), 1)) - epochDayOf(first) + 1;
  const quietOffset = quietOffsets(zone, first, days);
  const secondsOfDay = time.hour * 3600 + time.minute * 60;
  for (let i = 0; i < days; i++) {
    const date = addDays(first, i);
    const offset = quietOffset(i);
    const at = offset === undefined ? firingOn(zone, date, time) : utcMidnightMs(date) + (secondsOfDay - offset) * 1000;
    if (at >= fromMs && at <= toMs && times[times.length - 1] !== at) times.push(at);
  }
  return times;
}

/**
 * Resolving a date finds its transitions with a few dozen Intl calls, too many for the years of
 * dates a schedule's calendar covers. Most dates have no transition within two days of their UTC
 * midnight (what resolveWallTime searches), and then their one offset is the answer: one daily
 * sample each tells them apart. A change undone between two samples would go unseen, but a zone's
 * consecutive transitions are days apart (see zone-transitions.ts), so five equal samples around a
 * date mean none touched it. Other dates (undefined here) take the full rule.
 */
function quietOffsets(zone: string, first: LocalDate, days: number): (index: number) => number | undefined {
  const firstSample = (epochDayOf(first) - 2) * SECONDS_PER_DAY;
  const samples: number[] = [];
  for (let k = 0; k < days + 4; k++) samples.push(offsetSecondsAt(zone, (firstSample + k * SECONDS_PER_DAY) * 1000));
  return (index) => {
    const offset = samples[index];
    for (let k = index + 1; k <= index + 4; k++) if (samples[k] !== offset) return undefined;
    return offset;
  };
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
