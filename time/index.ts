/** Pure time rules: calendar dates, zone offsets, wall-time resolution, formatting. */

export type { LocalDate } from './local-date';
export { addDays, formatLocalDate, parseLocalDate, utcMidnightMs } from './local-date';
export type { LocalDateTime } from './zone-offset';
export { localDateAt, localDateTimeAt, offsetSecondsAt } from './zone-offset';
export type { DaySegment } from './wall-time';
export { daySegments, resolveWallTime, startOfDay } from './wall-time';
export { formatIsoWithOffset } from './iso';
export { formatJalaliDate, formatJalaliDateTime, jalaliAt } from './jalali';
export type { DailyTime } from './firing-times';
export { firingOn, firingTimesBetween, lastFiringAtOrBefore, nextFiringAfter } from './firing-times';
export type { OffsetChange } from './offset-change';
export { offsetChangeOn, offsetChangeOnDayOf } from './offset-change';
