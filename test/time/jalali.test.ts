import { formatJalaliDate, formatJalaliDateTime, jalaliAt, parseLocalDate } from '../../time';

describe('formatJalaliDate', () => {
  test.each([
    ['2025-03-21', '1404-01-01'], // Nowruz 1404
    ['2025-03-20', '1403-12-30'], // 1403 is a leap year: Esfand has 30 days
    ['2024-03-20', '1403-01-01'], // Nowruz 1403 fell on 20 March
    ['2024-03-19', '1402-12-29'], // 1402 is a common year
    ['2021-03-20', '1399-12-30'], // 1399 is a leap year
    ['2021-03-21', '1400-01-01'],
    ['2026-03-20', '1404-12-29'], // 1404 is a common year: no 1404-12-30
    ['2026-03-21', '1405-01-01'],
    ['2025-09-22', '1404-06-31'], // the first six months have 31 days
    ['2025-09-23', '1404-07-01'],
    ['1979-02-11', '1357-11-22'],
  ])('%s is %s', (gregorian, expected) => {
    expect(formatJalaliDate(parseLocalDate(gregorian))).toBe(expected);
  });

  test('rejects invalid Gregorian dates', () => {
    expect(() => formatJalaliDate({ year: 2025, month: 2, day: 30 })).toThrow(RangeError);
  });
});

describe('formatJalaliDateTime', () => {
  test.each([
    ['2025-03-21', 0, '1404-01-01T00:00:00'],
    ['2025-03-20', 86_399, '1403-12-30T23:59:59'],
    ['2025-12-18', 7 * 3600 + 5 * 60 + 9, '1404-09-27T07:05:09'],
  ])('%s at %i s is %s', (gregorian, secondsOfDay, expected) => {
    expect(formatJalaliDateTime(parseLocalDate(gregorian), secondsOfDay)).toBe(expected);
  });

  test('rejects a time of day outside [0, 86400)', () => {
    expect(() => formatJalaliDateTime(parseLocalDate('2025-03-21'), 86_400)).toThrow(RangeError);
  });
});

describe('jalaliAt', () => {
  test('turns the year at Tehran midnight, not UTC midnight', () => {
    const tehranNewYear = Date.parse('2025-03-20T20:30:00Z'); // 2025-03-21T00:00+03:30
    expect(jalaliAt('Asia/Tehran', tehranNewYear)).toBe('1404-01-01T00:00:00');
    expect(jalaliAt('Asia/Tehran', tehranNewYear - 1000)).toBe('1403-12-30T23:59:59');
    expect(jalaliAt('UTC', tehranNewYear)).toBe('1403-12-30T20:30:00');
  });

  test('follows daylight saving time as it was in Iran', () => {
    expect(jalaliAt('Asia/Tehran', Date.parse('2021-06-01T00:00:00Z'))).toBe('1400-03-11T04:30:00');
  });
});
