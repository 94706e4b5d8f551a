import { formatTimeOfDay, isSecondsOfDay } from '../../time/time-of-day';

describe('formatTimeOfDay', () => {
  test.each([
    [0, '00:00:00'],
    [59, '00:00:59'],
    [3600 + 2 * 60 + 3, '01:02:03'],
    [86_399, '23:59:59'],
  ])('%i s is %s', (seconds, expected) => {
    expect(formatTimeOfDay(seconds)).toBe(expected);
  });

  test.each([-1, 86_400, 0.5, Number.NaN])('rejects %p', (seconds) => {
    expect(isSecondsOfDay(seconds)).toBe(false);
    expect(() => formatTimeOfDay(seconds)).toThrow(RangeError);
  });
});
