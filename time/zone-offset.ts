/**
 * Reading the wall clock of an IANA time zone at an instant.
 *
 * The engine's Intl time zone data is the single source of truth: there is no
 * bundled tz database, so results follow whatever tzdata the runtime ships
 * (Node's ICU), to the second, including historical local mean time offsets.
 */

import { LocalDate, SECONDS_PER_DAY, epochDayOf } from './local-date';

export interface LocalDateTime {
  readonly date: LocalDate;
  /** Whole seconds since local midnight, [0, 86400). */
  readonly secondsOfDay: number;
}

/** A wall clock reading together with the UTC offset that produced it. */
export interface ZonedClock extends LocalDateTime {
  /** local − UTC, in seconds. */
  readonly offsetSeconds: number;
}

/** local − UTC in seconds at that instant. */
export function offsetSecondsAt(zone: string, epochMs: number): number {
  return zonedClockAt(zone, epochMs).offsetSeconds;
}

export function localDateTimeAt(zone: string, epochMs: number): LocalDateTime {
  const { date, secondsOfDay } = zonedClockAt(zone, epochMs);
  return { date, secondsOfDay };
}

export function localDateAt(zone: string, epochMs: number): LocalDate {
  return zonedClockAt(zone, epochMs).date;
}

/**
 * Wall clock and offset from a single Intl call. Sub-second parts of the
 * instant are dropped (floored, also before 1970) because offsets only change
 * on whole seconds.
 */
export function zonedClockAt(zone: string, epochMs: number): ZonedClock {
  if (!Number.isFinite(epochMs)) {
    throw new RangeError(`Not an instant: ${epochMs}`);
  }
  const epochSecond = Math.floor(epochMs / 1000);
  const fields = readFields(formatterFor(zone).formatToParts(epochSecond * 1000));
  const date: LocalDate = { year: fields.year, month: fields.month, day: fields.day };
  const secondsOfDay = fields.hour * 3600 + fields.minute * 60 + fields.second;
  const offsetSeconds = epochDayOf(date) * SECONDS_PER_DAY + secondsOfDay - epochSecond;
  return { date, secondsOfDay, offsetSeconds };
}

// Creating a DateTimeFormat costs far more than formatting with one, and this
// module formats many instants per zone, so keep one per zone for the process.
const formatterByZone = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatterByZone.get(zone);
  if (formatter === undefined) {
    // Pin calendar and digits so a locale default can never change the parts
    // we parse; 'era' so years before 1 AD fail loudly instead of reading as AD.
    formatter = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', {
      timeZone: zone, // throws RangeError for an unknown zone
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatterByZone.set(zone, formatter);
  }
  return formatter;
}

interface ClockFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function readFields(parts: Intl.DateTimeFormatPart[]): ClockFields {
  const fields: ClockFields = { year: NaN, month: NaN, day: NaN, hour: NaN, minute: NaN, second: NaN };
  let beforeChrist = false;
  for (const part of parts) {
    switch (part.type) {
      case 'era':
        beforeChrist = part.value === 'BC';
        break;
      case 'year':
      case 'month':
      case 'day':
      case 'minute':
      case 'second':
        fields[part.type] = Number(part.value);
        break;
      case 'hour':
        // Some engines print midnight as '24' of the same date despite h23.
        fields.hour = Number(part.value) % 24;
        break;
      default:
        break;
    }
  }
  if (beforeChrist) {
    fields.year = 1 - fields.year; // 1 BC is year 0
  }
  if (Object.values(fields).some((value) => !Number.isInteger(value))) {
    throw new Error(`Unexpected Intl output: ${JSON.stringify(parts)}`);
  }
  return fields;
}
