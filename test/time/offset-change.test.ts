import { offsetChangeOn, offsetChangeOnDayOf } from '../../time/offset-change';
import { parseLocalDate } from '../../time/local-date';

const h = 3600;

describe('offsetChangeOn: the DST days a schedule preview flags', () => {
  test.each([
    ['America/New_York', '2026-03-08', -5 * h, -4 * h],
    ['America/New_York', '2026-11-01', -4 * h, -5 * h],
    ['Europe/London', '2026-03-29', 0, 1 * h],
    ['Europe/London', '2026-10-25', 1 * h, 0],
    ['Australia/Lord_Howe', '2026-04-05', 11 * h, 10.5 * h],
    ['Asia/Tehran', '2022-03-22', 3.5 * h, 4.5 * h],
    // Midnight falls in the gap: the day begins at 01:00, already after the change.
    ['America/Havana', '2026-03-08', -5 * h, -4 * h],
  ])('%s on %s changes from %d to %d', (zone, date, before, after) => {
    expect(offsetChangeOn(zone, parseLocalDate(date))).toEqual({ before, after });
  });

  test.each([
    ['America/New_York', '2026-03-07'],
    ['America/New_York', '2026-03-09'],
    ['Europe/London', '2026-12-01'],
    ['Asia/Tehran', '2026-03-21'], // no DST since 2022
    ['UTC', '2026-03-29'],
  ])('%s on %s has no change', (zone, date) => {
    expect(offsetChangeOn(zone, parseLocalDate(date))).toBeNull();
  });

  test('the day is the local day of the instant, not its UTC day', () => {
    // 2026-03-08 03:30 UTC is still 2026-03-07 (22:30) in New York: no change that local day.
    expect(offsetChangeOnDayOf('America/New_York', Date.UTC(2026, 2, 8, 3, 30))).toBeNull();
    // 2026-03-08 14:00 UTC is 10:00 on the change day.
    expect(offsetChangeOnDayOf('America/New_York', Date.UTC(2026, 2, 8, 14, 0))).toEqual({
      before: -5 * h,
      after: -4 * h,
    });
  });
});
