import { formatIsoWithOffset } from '../../time';
import { formatUtcOffset } from '../../time/iso';

describe('formatIsoWithOffset', () => {
  test.each([
    ['Asia/Tehran', '2025-12-18T04:00:00Z', '2025-12-18T07:30:00+03:30'],
    ['Asia/Tehran', '2021-06-01T00:00:00Z', '2021-06-01T04:30:00+04:30'], // DST, before it was abolished
    ['Pacific/Chatham', '2025-01-15T00:00:00Z', '2025-01-15T13:45:00+13:45'],
    ['Pacific/Chatham', '2025-07-15T00:00:00Z', '2025-07-15T12:45:00+12:45'],
    ['America/New_York', '2025-01-15T17:00:00Z', '2025-01-15T12:00:00-05:00'],
    ['America/New_York', '2025-07-15T16:00:00Z', '2025-07-15T12:00:00-04:00'],
    ['UTC', '2025-06-15T12:34:56Z', '2025-06-15T12:34:56+00:00'],
    ['Pacific/Kiritimati', '2025-01-01T00:00:00Z', '2025-01-01T14:00:00+14:00'],
    ['Pacific/Kiritimati', '1994-12-31T09:59:59Z', '1994-12-30T23:59:59-10:00'],
    // Local mean time: the offset keeps its seconds so the text stays exact.
    ['Asia/Kolkata', '1850-01-01T00:00:00Z', '1850-01-01T05:53:28+05:53:28'],
    ['Africa/Monrovia', '1971-01-01T00:00:00Z', '1970-12-31T23:15:30-00:44:30'],
  ])('%s at %s is %s', (zone, iso, expected) => {
    expect(formatIsoWithOffset(zone, Date.parse(iso))).toBe(expected);
  });

  test('drops milliseconds by flooring, also before 1970', () => {
    expect(formatIsoWithOffset('UTC', Date.parse('2025-06-15T12:34:56.999Z'))).toBe('2025-06-15T12:34:56+00:00');
    expect(formatIsoWithOffset('UTC', -1)).toBe('1969-12-31T23:59:59+00:00');
  });

  test('round-trips through Date.parse', () => {
    const instant = Date.parse('2024-09-28T14:15:00Z');
    expect(Date.parse(formatIsoWithOffset('Pacific/Chatham', instant))).toBe(instant);
  });
});

describe('formatUtcOffset', () => {
  test.each([
    [0, '+00:00'],
    [12_600, '+03:30'],
    [-18_000, '-05:00'],
    [-2670, '-00:44:30'],
    [50_400, '+14:00'],
    [-57_368, '-15:56:08'],
  ])('%i s is %s', (seconds, expected) => {
    expect(formatUtcOffset(seconds)).toBe(expected);
  });
});
