/**
 * Calendar dates without a time zone (proleptic Gregorian, ISO 'YYYY-MM-DD').
 *
 * Date arithmetic goes through a day count since 1970-01-01 rather than `Date`,
 * because `Date.UTC` silently maps years 0-99 to 1900-1999 and `Date` objects
 * invite accidental use of the host's local time zone.
 */

import { zeroPad } from './zero-pad';

export interface LocalDate {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
}

export const SECONDS_PER_DAY = 86_400;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;

// Four-digit years only: that is the range the text form can round-trip.
const MIN_YEAR = 0;
const MAX_YEAR = 9999;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseLocalDate(text: string): LocalDate {
  const match = ISO_DATE.exec(text);
  if (!match) {
    throw new RangeError(`Not a YYYY-MM-DD date: '${text}'`);
  }
  const date: LocalDate = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  if (!isValidLocalDate(date)) {
    throw new RangeError(`No such calendar date: '${text}'`);
  }
  return date;
}

export function formatLocalDate(d: LocalDate): string {
  assertValidLocalDate(d);
  return `${zeroPad(d.year, 4)}-${zeroPad(d.month, 2)}-${zeroPad(d.day, 2)}`;
}

export function addDays(d: LocalDate, days: number): LocalDate {
  if (!Number.isSafeInteger(days)) {
    throw new RangeError(`Day count must be an integer, got ${days}`);
  }
  return localDateOfEpochDay(epochDayOf(d) + days);
}

/** The instant at which this date starts in UTC; the same value `Date.UTC` gives. */
export function utcMidnightMs(d: LocalDate): number {
  return epochDayOf(d) * MS_PER_DAY;
}

export function isValidLocalDate(d: LocalDate): boolean {
  return (
    Number.isInteger(d.year) &&
    d.year >= MIN_YEAR &&
    d.year <= MAX_YEAR &&
    Number.isInteger(d.month) &&
    d.month >= 1 &&
    d.month <= 12 &&
    Number.isInteger(d.day) &&
    d.day >= 1 &&
    d.day <= daysInMonth(d.year, d.month)
  );
}

export function assertValidLocalDate(d: LocalDate): void {
  if (!isValidLocalDate(d)) {
    throw new RangeError(`Invalid date: ${JSON.stringify(d)}`);
  }
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    return isLeapYear(year) ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Days since 1970-01-01. Howard Hinnant's days_from_civil: it counts years from
 * March so the leap day falls at the end, which keeps it branch-free and exact
 * for any year (no floating point beyond integer division).
 */
export function epochDayOf(d: LocalDate): number {
  assertValidLocalDate(d);
  const marchBasedYear = d.month <= 2 ? d.year - 1 : d.year;
  const era = Math.floor(marchBasedYear / 400);
  const yearOfEra = marchBasedYear - era * 400;
  const marchBasedMonth = (d.month + 9) % 12;
  const dayOfYear = Math.floor((153 * marchBasedMonth + 2) / 5) + d.day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Inverse of {@link epochDayOf} (Hinnant's civil_from_days). */
export function localDateOfEpochDay(epochDay: number): LocalDate {
  const shifted = epochDay + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const marchBasedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * marchBasedMonth + 2) / 5) + 1;
  const month = marchBasedMonth < 10 ? marchBasedMonth + 3 : marchBasedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const date: LocalDate = { year, month, day };
  assertValidLocalDate(date);
  return date;
}
