import { MONTHS, type CalendarSpec } from '@temporalio/client';
import type { Schedule } from '../config/schedule';
import { addDays, firingTimesBetween, formatLocalDate, localDateAt, localDateTimeAt, offsetSecondsAt } from '../time';
import type { LocalDate } from '../time';
import { daysInMonth, utcMidnightMs } from '../time/local-date';

/**
 * The firing rule (time/firing-times.ts) as a Temporal schedule spec. A calendar spec in the
 * process zone cannot say it (temporalio/temporal#8205: a time in a gap is skipped, one in a fold
 * fires twice or at the later instant), so the spec is in UTC and lists the rule's instants
 * explicitly over a horizon: each stretch of days whose instant has one UTC time of day becomes a
 * few entries of UTC dates at that time. The horizon moves month by month (see firingHorizon), and
 * the worker refreshes schedules daily, so a schedule always has over a year of days ahead.
 */

/** The UTC dates the calendar covers, both included. */
export interface FiringHorizon {
  readonly from: LocalDate;
  readonly to: LocalDate;
}

/** Whole months ahead the horizon always reaches past the current one. */
const MONTHS_AHEAD = 13;
const DAY_MS = 86_400_000;

/**
 * From January 1st of last year (so Temporal's own answer for this year's days, past ones
 * included, can be checked) to the end of the month 13 months ahead. It changes once a month, and
 * goes into the schedule's fingerprint: a schedule is updated once when its horizon moves.
 */
export function firingHorizon(nowMs: number): FiringHorizon {
  const now = new Date(nowMs);
  const monthIndex = now.getUTCMonth() + MONTHS_AHEAD;
  const year = now.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  return {
    from: { year: now.getUTCFullYear() - 1, month: 1, day: 1 },
    to: { year, month, day: daysInMonth(year, month) },
  };
}

export function horizonText(horizon: FiringHorizon): string {
  return `${formatLocalDate(horizon.from)}..${formatLocalDate(horizon.to)}`;
}

/** A stretch of firing instants exactly a day apart: one UTC time of day on consecutive UTC dates. */
interface Stretch {
  readonly first: number;
  readonly last: number;
}

/** Calendar entries (in UTC) matching exactly the rule's instants within the horizon. */
export function firingCalendars(schedule: Schedule, horizon: FiringHorizon): CalendarSpec[] {
  const key = `${schedule.timezone} ${schedule.hour}:${schedule.minute} ${horizonText(horizon)}`;
  const cached = calendarCache.get(key);
  if (cached) return cached;
  const calendars = stretchesOf(schedule, horizon).flatMap((stretch) => {
    const comment = describeStretch(schedule, stretch);
    const at = new Date(stretch.first);
    const time = { hour: at.getUTCHours(), minute: at.getUTCMinutes(), second: at.getUTCSeconds() };
    return dateRanges(utcDate(stretch.first), utcDate(stretch.last)).map((dates) => ({ ...dates, ...time, comment }));
  });
  if (calendarCache.size >= CALENDAR_CACHE_LIMIT) calendarCache.delete(calendarCache.keys().next().value!);
  calendarCache.set(key, calendars);
  return calendars;
}

// Reconcile and every API write recompute a process's spec; the same zone, time and horizon give
// the same entries, so keep the recent ones (bounded: a long-running API sees many processes).
const CALENDAR_CACHE_LIMIT = 256;
const calendarCache = new Map<string, CalendarSpec[]>();

function stretchesOf(schedule: Schedule, horizon: FiringHorizon): Stretch[] {
  const times = firingTimesBetween(
    schedule.timezone,
    schedule,
    utcMidnightMs(horizon.from),
    utcMidnightMs(addDays(horizon.to, 1)) - 1,
  );
  const stretches: { first: number; last: number }[] = [];
  for (const t of times) {
    const current = stretches[stretches.length - 1];
    if (current && t - current.last === DAY_MS) current.last = t;
    else stretches.push({ first: t, last: t });
  }
  return stretches;
}

type DateFields = Pick<CalendarSpec, 'year' | 'month' | 'dayOfMonth'>;

/**
 * UTC dates from `from` to `to` (both included) as year/month/dayOfMonth entries: whole months of
 * a year in one entry, a partial month at either end in its own.
 */
function dateRanges(from: LocalDate, to: LocalDate): DateFields[] {
  const entries: DateFields[] = [];
  for (let year = from.year; year <= to.year; year++) {
    const start = year === from.year ? from : { year, month: 1, day: 1 };
    const end = year === to.year ? to : { year, month: 12, day: 31 };
    if (start.month === end.month) {
      entries.push(monthEntry(year, start.month, start.day, end.day));
      continue;
    }
    let firstWhole = start.month;
    if (start.day > 1) {
      entries.push(monthEntry(year, start.month, start.day, daysInMonth(year, start.month)));
      firstWhole++;
    }
    let lastWhole = end.month;
    const tail = end.day < daysInMonth(year, end.month) ? monthEntry(year, end.month, 1, end.day) : undefined;
    if (tail) lastWhole--;
    if (firstWhole <= lastWhole) {
      entries.push({
        year,
        month:
          firstWhole === lastWhole
            ? monthName(firstWhole)
            : { start: monthName(firstWhole), end: monthName(lastWhole) },
        // A month shorter than 31 days simply has no match for the days it lacks.
        dayOfMonth: { start: 1, end: 31 },
      });
    }
    if (tail) entries.push(tail);
  }
  return entries;
}

function monthEntry(year: number, month: number, firstDay: number, lastDay: number): DateFields {
  return { year, month: monthName(month), dayOfMonth: { start: firstDay, end: lastDay } };
}

function monthName(month: number): (typeof MONTHS)[number] {
  return MONTHS[month - 1]!;
}

function utcDate(ms: number): LocalDate {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/**
 * What the Web UI shows for an entry: the local time, zone, abbreviation and offset, and the local
 * dates, e.g. "07:30 America/New_York (EDT, UTC-04:00), 2026-03-09 to 2026-10-31". A gap day's
 * instant shares its UTC time with the days before, so it ends their stretch: the comment says so.
 */
function describeStretch(schedule: Schedule, stretch: Stretch): string {
  const wanted = hhmm(schedule.hour * 60 + schedule.minute);
  const first = describeInstant(schedule.timezone, stretch.first);
  const last = describeInstant(schedule.timezone, stretch.last);
  const base = first.time === wanted || last.time !== wanted ? first : last;
  const dates = first.date === last.date ? first.date : `${first.date} to ${last.date}`;
  const exceptions = [first, last]
    .filter((end) => end !== base && (end.time !== base.time || end.offset !== base.offset))
    .map((end) => `; on ${end.date} at ${end.time} (${end.offset})${gapNote(end, wanted)}`);
  return `${base.time} ${schedule.timezone} (${base.offset}), ${dates}${gapNote(base, wanted)}${exceptions.join('')}`;
}

interface InstantText {
  readonly date: string;
  readonly time: string;
  /** "EDT, UTC-04:00", or "UTC+02:00" where ICU has no abbreviation for the zone. */
  readonly offset: string;
}

function describeInstant(zone: string, ms: number): InstantText {
  const abbreviation = zoneAbbreviation(zone, ms);
  const offset = utcOffsetText(offsetSecondsAt(zone, ms));
  return {
    date: formatLocalDate(localDateAt(zone, ms)),
    time: hhmm(Math.floor(localDateTimeAt(zone, ms).secondsOfDay / 60)),
    offset: abbreviation ? `${abbreviation}, ${offset}` : offset,
  };
}

function gapNote(instant: InstantText, wanted: string): string {
  return instant.time === wanted ? '' : `: ${wanted} does not exist that day, moved forward by the gap`;
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function utcOffsetText(offsetSeconds: number): string {
  const sign = offsetSeconds < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offsetSeconds) / 60);
  return `UTC${sign}${hhmm(minutes)}`;
}

/** "EDT", "AEST"…; none where ICU has only "GMT+2" for the zone, which the offset already says. */
function zoneAbbreviation(zone: string, ms: number): string | undefined {
  let format = abbreviationFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' });
    abbreviationFormats.set(zone, format);
  }
  const name = format.formatToParts(ms).find((part) => part.type === 'timeZoneName')?.value;
  return name && !/^(GMT|UTC)/.test(name) ? name : undefined;
}

// Creating a DateTimeFormat costs far more than using one; zones are few.
const abbreviationFormats = new Map<string, Intl.DateTimeFormat>();
