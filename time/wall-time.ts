/**
 * Turning a wall-clock time in a zone into an instant.
 *
 * A wall time can occur once, twice (fold, clocks set back) or never (gap,
 * clocks set forward). The rule is TC39 Temporal's default
 * `disambiguation: 'compatible'`, which java.time and Python (fold=0) share:
 *  - fold: the earlier instant, i.e. the offset from before the transition;
 *  - gap: also the offset from before the transition, so the time moves
 *    forward by the length of the gap (02:30 on a US spring-forward day is
 *    03:30 EDT).
 * Both cases amount to "use the offset before the transition", which is why a
 * day splits into a few stretches with a constant offset (see daySegments).
 *
 * A date that a zone skipped entirely (Pacific/Kiritimati 1994-12-31) is one
 * big gap: every time on it resolves to the same time on the next day.
 */

import { DaySegment, segmentsFromTimeline } from './day-segments';
import { LocalDate, SECONDS_PER_DAY, epochDayOf, formatLocalDate, utcMidnightMs } from './local-date';
import { assertSecondsOfDay } from './time-of-day';
import { offsetTimeline } from './zone-transitions';

export type { DaySegment } from './day-segments';

/** Epoch ms of `secondsOfDay` (integer, [0, 86400)) on `date` in `zone`. */
export function resolveWallTime(zone: string, date: LocalDate, secondsOfDay: number): number {
  assertSecondsOfDay(secondsOfDay);
  // Resolving through the segments keeps this and the SQL built from
  // daySegments in agreement by construction.
  const { midnightMs, segments } = resolvedDay(zone, date);
  for (const segment of segments) {
    if (secondsOfDay < segment.toSecond) {
      return midnightMs + (secondsOfDay - segment.offsetSeconds) * 1000;
    }
  }
  throw new Error(`Day segments of ${formatLocalDate(date)} in ${zone} do not cover ${secondsOfDay}`);
}

/** When `date` begins in `zone`; later than 00:00 if midnight falls in a gap. */
export function startOfDay(zone: string, date: LocalDate): number {
  return resolveWallTime(zone, date, 0);
}

/**
 * The resolution rule for one date as a few linear pieces covering [0, 86400)
 * in order, adjacent pieces always differing: one piece on a day without
 * transitions. See DaySegment.
 */
export function daySegments(zone: string, date: LocalDate): DaySegment[] {
  return resolvedDay(zone, date).segments.map((segment) => ({ ...segment }));
}

interface ResolvedDay {
  readonly midnightMs: number;
  readonly segments: readonly DaySegment[];
}

// Schedulers resolve many times on the same few (zone, date) pairs, while
// finding transitions costs a few dozen Intl calls: remember recent days. The
// bound keeps a long-running process from growing without limit.
const RESOLVED_DAY_CACHE_LIMIT = 1024;
const resolvedDayCache = new Map<string, ResolvedDay>();

function resolvedDay(zone: string, date: LocalDate): ResolvedDay {
  // Unpadded fields make a unique key, and an invalid date never gets cached
  // because computing it throws.
  const key = `${zone} ${date.year}-${date.month}-${date.day}`;
  let day = resolvedDayCache.get(key);
  if (day === undefined) {
    day = computeResolvedDay(zone, date);
    if (resolvedDayCache.size >= RESOLVED_DAY_CACHE_LIMIT) {
      const oldestKey = resolvedDayCache.keys().next().value;
      if (oldestKey !== undefined) resolvedDayCache.delete(oldestKey);
    }
    resolvedDayCache.set(key, day);
  }
  return day;
}

// Offsets stay within ±16h (the extreme is Asia/Manila's local mean time,
// −15:56:08), so every instant whose wall clock falls on this date, and every
// transition whose gap or fold touches it, lies within 2 days of its UTC midnight.
const SEARCH_MARGIN_SECONDS = 2 * SECONDS_PER_DAY;

function computeResolvedDay(zone: string, date: LocalDate): ResolvedDay {
  const midnight = epochDayOf(date) * SECONDS_PER_DAY;
  const timeline = offsetTimeline(zone, midnight - SEARCH_MARGIN_SECONDS, midnight + SEARCH_MARGIN_SECONDS);
  return { midnightMs: utcMidnightMs(date), segments: segmentsFromTimeline(timeline, midnight) };
}
