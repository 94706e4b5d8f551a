/**
 * Jalali (Solar Hijri, Iran's civil calendar) rendering. Only the date part
 * differs from Gregorian: the day boundary and the clock are the zone's own.
 */

import { toJalaali } from 'jalaali-js';

import { LocalDate, assertValidLocalDate } from './local-date';
import { formatTimeOfDay } from './time-of-day';
import { zeroPad } from './zero-pad';
import { localDateTimeAt } from './zone-offset';

/** Jalali 'YYYY-MM-DD' of a Gregorian date. */
export function formatJalaliDate(date: LocalDate): string {
  assertValidLocalDate(date);
  const { jy, jm, jd } = toJalaali(date.year, date.month, date.day);
  return `${zeroPad(jy, 4)}-${zeroPad(jm, 2)}-${zeroPad(jd, 2)}`;
}

/** Jalali 'YYYY-MM-DDTHH:MM:SS' of a Gregorian date and time of day. */
export function formatJalaliDateTime(date: LocalDate, secondsOfDay: number): string {
  return `${formatJalaliDate(date)}T${formatTimeOfDay(secondsOfDay)}`;
}

/** The Jalali wall clock of an instant in a zone, 'YYYY-MM-DDTHH:MM:SS'. */
export function jalaliAt(zone: string, epochMs: number): string {
  const { date, secondsOfDay } = localDateTimeAt(zone, epochMs);
  return formatJalaliDateTime(date, secondsOfDay);
}
