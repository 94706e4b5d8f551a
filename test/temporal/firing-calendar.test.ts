import { MONTHS, type CalendarSpec } from '@temporalio/client';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { firingCalendars, firingHorizon, horizonText } from '../../temporal/firing-calendar';
import { desiredSchedule, scheduleFingerprint } from '../../temporal/schedule-options';
import { firingTimesBetween } from '../../time';
import { addDays, daysInMonth, utcMidnightMs } from '../../time/local-date';

const at = (text: string) => Date.parse(text);
const definition = PROCESS_REGISTRY[0]!;
const settings = { taskQueue: 'q', catchupWindowMinutes: 60 };

/** Every instant the entries match, as Temporal reads a calendar: each field's values, all combined. */
function matches(calendars: readonly CalendarSpec[]): number[] {
  type Field<T> = T | { start: T; end?: T } | (T | { start: T; end?: T })[] | '*' | undefined;
  const values = <T>(field: Field<T>, all: readonly T[]): T[] => {
    if (field === undefined || field === '*') return [...all];
    const ranges = Array.isArray(field) ? field : [field];
    return ranges.flatMap((r) => {
      if (typeof r !== 'object' || r === null || !('start' in r)) return [r as T];
      const start = all.indexOf(r.start);
      const end = r.end === undefined ? start : all.indexOf(r.end);
      return all.slice(start, end + 1);
    });
  };
  const numbers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const [years, days, hours, sixty] = [numbers(2000, 2100), numbers(1, 31), numbers(0, 23), numbers(0, 59)];
  const times: number[] = [];
  for (const c of calendars) {
    for (const year of values(c.year as Field<number>, years))
      for (const month of values(c.month as Field<(typeof MONTHS)[number]>, MONTHS))
        for (const day of values(c.dayOfMonth as Field<number>, days))
          for (const hour of values(c.hour as Field<number>, hours))
            for (const minute of values(c.minute as Field<number>, sixty))
              for (const second of values(c.second as Field<number>, sixty)) {
                const m = MONTHS.indexOf(month) + 1;
                if (day <= daysInMonth(year, m)) times.push(Date.UTC(year, m - 1, day, hour, minute, second));
              }
  }
  return times.sort((a, b) => a - b);
}

describe('the firing calendar: the rule as UTC calendar entries', () => {
  it('reaches from January 1st of last year to the end of the month 13 months ahead, moving monthly', () => {
    expect(horizonText(firingHorizon(at('2026-12-01T11:00:00Z')))).toBe('2025-01-01..2028-01-31');
    expect(horizonText(firingHorizon(at('2026-12-31T23:59:59Z')))).toBe('2025-01-01..2028-01-31');
    expect(horizonText(firingHorizon(at('2027-01-01T00:00:00Z')))).toBe('2026-01-01..2028-02-29');
    expect(horizonText(firingHorizon(at('2026-03-15T00:00:00Z')))).toBe('2025-01-01..2027-04-30');
  });

  it.each([
    ['America/New_York', 2, 30],
    ['America/New_York', 1, 30],
    ['America/Santiago', 0, 5],
    ['Australia/Lord_Howe', 2, 15],
    ['Europe/Berlin', 2, 58],
    ['Asia/Tehran', 7, 30],
    ['Pacific/Chatham', 3, 0],
    ['America/Havana', 0, 30],
  ])('%s %i:%i matches exactly the rule over the whole horizon', (timezone, hour, minute) => {
    const horizon = firingHorizon(at('2026-12-01T11:00:00Z'));
    const calendars = firingCalendars({ timezone, hour, minute }, horizon);
    const rule = firingTimesBetween(
      timezone,
      { hour, minute },
      utcMidnightMs(horizon.from),
      utcMidnightMs(addDays(horizon.to, 1)) - 1,
    );
    expect(rule.length).toBeGreaterThan(1100);
    expect(matches(calendars)).toEqual(rule);
    // A few entries per stretch between transitions, not one per day.
    expect(calendars.length).toBeLessThan(40);
  });

  it('names the local time, zone, abbreviation and offset of each entry, and a gap day', () => {
    const calendars = firingCalendars(
      { timezone: 'America/New_York', hour: 2, minute: 30 },
      firingHorizon(at('2026-12-01T11:00:00Z')),
    );
    expect(calendars).toContainEqual({
      year: 2026,
      month: { start: 'APRIL', end: 'OCTOBER' },
      dayOfMonth: { start: 1, end: 31 },
      hour: 6,
      minute: 30,
      second: 0,
      comment: '02:30 America/New_York (EDT, UTC-04:00), 2026-03-09 to 2026-10-31',
    });
    expect(calendars).toContainEqual({
      year: 2026,
      month: 'MARCH',
      dayOfMonth: { start: 1, end: 8 },
      hour: 7,
      minute: 30,
      second: 0,
      comment:
        '02:30 America/New_York (EST, UTC-05:00), 2025-11-02 to 2026-03-08; on 2026-03-08 at 03:30 (EDT, UTC-04:00): ' +
        '02:30 does not exist that day, moved forward by the gap',
    });
  });

  it('is the spec of the schedule, in UTC, and its horizon is part of the fingerprint', () => {
    const schedule = { timezone: 'Europe/Berlin', hour: 2, minute: 30 };
    const process = { name: 'berlin', description: null, isEnabled: true };
    const options = desiredSchedule(process, schedule, definition, settings, at('2026-12-01T11:00:00Z'));
    expect(options.spec).toEqual({
      timezone: 'UTC',
      calendars: firingCalendars(schedule, firingHorizon(at('2026-12-01T11:00:00Z'))),
    });
    expect(options.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: '60 minutes' });
    const fingerprint = (now: string) => scheduleFingerprint(definition, schedule, settings, at(now));
    expect(fingerprint('2026-12-31T23:59:59Z')).toBe(fingerprint('2026-12-01T00:00:00Z'));
    expect(fingerprint('2027-01-01T00:00:00Z')).not.toBe(fingerprint('2026-12-31T23:59:59Z'));
    expect(options.action).toMatchObject({ memo: { scheduleFingerprint: fingerprint('2026-12-01T11:00:00Z') } });
  });
});
