import { addDays, formatLocalDate, parseLocalDate, utcMidnightMs } from '../../time';
import { epochDayOf, localDateOfEpochDay } from '../../time/local-date';

describe('parseLocalDate', () => {
  test.each(['2025-01-01', '2024-02-29', '2000-02-29', '2025-12-31', '0000-01-01', '9999-12-31'])(
    'accepts %s and formats it back unchanged',
    (text) => {
      expect(formatLocalDate(parseLocalDate(text))).toBe(text);
    },
  );

  test('reads the fields as numbers', () => {
    expect(parseLocalDate('2025-03-09')).toEqual({ year: 2025, month: 3, day: 9 });
  });

  test.each([
    ['2025-02-30', 'day past the end of February'],
    ['2023-02-29', 'leap day in a common year'],
    ['1900-02-29', 'leap day in a century that is not a leap year'],
    ['2025-04-31', 'day 31 in a 30-day month'],
    ['2025-13-01', 'month 13'],
    ['2025-00-10', 'month 0'],
    ['2025-01-00', 'day 0'],
    ['2025-1-01', 'one-digit month'],
    ['25-01-01', 'two-digit year'],
    ['+02025-01-01', 'expanded year'],
    ['20250101', 'basic format'],
    [' 2025-01-01', 'leading space'],
    ['2025-01-01\n', 'trailing newline'],
    ['2025-01-01T00:00', 'date-time'],
    ['2025/01/01', 'slashes'],
    ['', 'empty text'],
  ])('rejects %j (%s)', (text) => {
    expect(() => parseLocalDate(text)).toThrow(RangeError);
  });
});

describe('formatLocalDate', () => {
  test('zero-pads every field', () => {
    expect(formatLocalDate({ year: 33, month: 1, day: 2 })).toBe('0033-01-02');
  });

  test.each([
    { year: 2025, month: 2, day: 29 },
    { year: 2025, month: 1, day: 1.5 },
    { year: 10_000, month: 1, day: 1 },
    { year: -1, month: 1, day: 1 },
  ])('rejects the invalid date %j', (date) => {
    expect(() => formatLocalDate(date)).toThrow(RangeError);
  });
});

describe('addDays', () => {
  test.each([
    ['2025-01-31', 1, '2025-02-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2025-02-28', 1, '2025-03-01'],
    ['2025-12-31', 1, '2026-01-01'],
    ['2025-01-01', -1, '2024-12-31'],
    ['2025-03-01', -1, '2025-02-28'],
    ['2025-06-15', 0, '2025-06-15'],
    ['2000-01-01', 366, '2001-01-01'],
    ['1970-01-01', -719_528, '0000-01-01'],
    ['2025-03-09', 36_524, '2125-03-09'], // 2100 is not a leap year,
  ])('%s plus %i days is %s', (start, days, expected) => {
    expect(formatLocalDate(addDays(parseLocalDate(start), days))).toBe(expected);
  });

  test('rejects fractional day counts', () => {
    expect(() => addDays(parseLocalDate('2025-01-01'), 0.5)).toThrow(RangeError);
  });

  test('leaves its argument untouched', () => {
    const date = parseLocalDate('2025-01-01');
    addDays(date, 40);
    expect(date).toEqual({ year: 2025, month: 1, day: 1 });
  });
});

describe('utcMidnightMs', () => {
  test('is Date.UTC of the date', () => {
    expect(utcMidnightMs(parseLocalDate('2025-03-09'))).toBe(Date.UTC(2025, 2, 9));
    expect(utcMidnightMs(parseLocalDate('1970-01-01'))).toBe(0);
    expect(utcMidnightMs(parseLocalDate('1969-12-31'))).toBe(-86_400_000);
  });

  test.each([
    [1600, 2, 29],
    [1700, 3, 1],
    [1899, 12, 31],
    [1900, 3, 1],
    [2000, 2, 29],
    [2100, 2, 28],
    [2100, 3, 1],
    [2400, 2, 29],
    [9999, 12, 31],
  ])('is Date.UTC(%i, %i - 1, %i) around leap-rule edges', (year, month, day) => {
    const date = { year, month, day };
    expect(utcMidnightMs(date)).toBe(Date.UTC(year, month - 1, day));
    expect(localDateOfEpochDay(epochDayOf(date))).toEqual(date);
  });

  test('is not fooled by the years 0-99, which Date.UTC maps to 1900-1999', () => {
    const expected = new Date(0);
    expected.setUTCFullYear(33, 0, 2);
    expect(utcMidnightMs({ year: 33, month: 1, day: 2 })).toBe(expected.getTime());
  });

  test('counts every day from 1999 to 2031 like Date.UTC, and round-trips', () => {
    // An independent calendar walk: (year, month, day) advanced one day at a time.
    const monthLengths = (year: number): number[] => {
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    };
    const mismatches: string[] = [];
    let epochDay = epochDayOf({ year: 1999, month: 1, day: 1 });
    for (let year = 1999; year <= 2031; year++) {
      const lengths = monthLengths(year);
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= (lengths[month - 1] ?? 0); day++, epochDay++) {
          const date = { year, month, day };
          const back = localDateOfEpochDay(epochDay);
          if (
            utcMidnightMs(date) !== Date.UTC(year, month - 1, day) ||
            epochDayOf(date) !== epochDay ||
            back.year !== year ||
            back.month !== month ||
            back.day !== day
          ) {
            mismatches.push(formatLocalDate(date));
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(epochDay).toBe(epochDayOf({ year: 2032, month: 1, day: 1 }));
  });
});
