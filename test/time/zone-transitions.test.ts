import { offsetTimeline } from '../../time/zone-transitions';

const HOUR = 3600;
const second = (iso: string): number => Date.parse(iso) / 1000;

describe('offsetTimeline', () => {
  test('finds the exact second of a DST change', () => {
    expect(offsetTimeline('America/New_York', second('2025-03-07T00:00:00Z'), second('2025-03-11T00:00:00Z'))).toEqual({
      initialOffset: -5 * HOUR,
      transitions: [{ atEpochSecond: second('2025-03-09T07:00:00Z'), offsetBefore: -5 * HOUR, offsetAfter: -4 * HOUR }],
    });
  });

  test('finds a day-long jump (Kiritimati crossing the date line, 1994)', () => {
    expect(
      offsetTimeline('Pacific/Kiritimati', second('1994-12-29T00:00:00Z'), second('1995-01-02T00:00:00Z')),
    ).toEqual({
      initialOffset: -10 * HOUR,
      transitions: [
        { atEpochSecond: second('1994-12-31T10:00:00Z'), offsetBefore: -10 * HOUR, offsetAfter: 14 * HOUR },
      ],
    });
  });

  test('finds a change from local mean time to the second', () => {
    expect(offsetTimeline('Africa/Monrovia', second('1972-01-05T00:00:00Z'), second('1972-01-09T00:00:00Z'))).toEqual({
      initialOffset: -2670,
      transitions: [{ atEpochSecond: second('1972-01-07T00:44:30Z'), offsetBefore: -2670, offsetAfter: 0 }],
    });
  });

  test('finds both changes when a range holds two, in order', () => {
    const { transitions } = offsetTimeline(
      'Europe/London',
      second('2025-03-01T00:00:00Z'),
      second('2025-11-01T00:00:00Z'),
    );
    expect(transitions).toEqual([
      { atEpochSecond: second('2025-03-30T01:00:00Z'), offsetBefore: 0, offsetAfter: HOUR },
      { atEpochSecond: second('2025-10-26T01:00:00Z'), offsetBefore: HOUR, offsetAfter: 0 },
    ]);
  });

  test('finds nothing where nothing changes', () => {
    expect(offsetTimeline('Asia/Tehran', second('2025-03-19T00:00:00Z'), second('2025-03-25T00:00:00Z'))).toEqual({
      initialOffset: 3.5 * HOUR,
      transitions: [],
    });
  });
});
