import { formatLocalDate, localDateAt, localDateTimeAt, offsetSecondsAt } from '../../time';

const HOUR = 3600;
const MINUTE = 60;

describe('offsetSecondsAt', () => {
  test.each([
    ['UTC', '2025-06-15T12:00:00Z', 0],
    ['America/New_York', '2025-01-15T12:00:00Z', -5 * HOUR],
    ['America/New_York', '2025-07-15T12:00:00Z', -4 * HOUR],
    ['Europe/London', '2025-07-15T12:00:00Z', 1 * HOUR],
    ['Asia/Tehran', '2025-06-15T12:00:00Z', 3 * HOUR + 30 * MINUTE],
    ['Asia/Tehran', '2021-06-15T12:00:00Z', 4 * HOUR + 30 * MINUTE],
    ['Australia/Lord_Howe', '2024-07-01T00:00:00Z', 10 * HOUR + 30 * MINUTE],
    ['Australia/Lord_Howe', '2025-01-01T00:00:00Z', 11 * HOUR],
    ['Pacific/Chatham', '2025-01-01T00:00:00Z', 13 * HOUR + 45 * MINUTE],
    ['Pacific/Chatham', '2025-07-01T00:00:00Z', 12 * HOUR + 45 * MINUTE],
    ['Pacific/Kiritimati', '2025-01-01T00:00:00Z', 14 * HOUR],
    ['Pacific/Kiritimati', '1994-12-31T09:59:59Z', -10 * HOUR],
    ['Pacific/Kiritimati', '1994-12-31T10:00:00Z', 14 * HOUR],
    // Local mean time, to the second.
    ['America/New_York', '1800-01-01T00:00:00Z', -(4 * HOUR + 56 * MINUTE + 2)],
    ['Asia/Kolkata', '1850-01-01T00:00:00Z', 5 * HOUR + 53 * MINUTE + 28],
    ['Africa/Monrovia', '1971-01-01T00:00:00Z', -(44 * MINUTE + 30)],
    ['Asia/Manila', '1800-01-01T00:00:00Z', -(15 * HOUR + 56 * MINUTE + 8)],
  ])('%s at %s is %d s', (zone, iso, expected) => {
    expect(offsetSecondsAt(zone, Date.parse(iso))).toBe(expected);
  });

  test('changes exactly at the transition second (New York spring forward, 07:00Z)', () => {
    const transition = Date.parse('2025-03-09T07:00:00Z');
    expect(offsetSecondsAt('America/New_York', transition - 1)).toBe(-5 * HOUR);
    expect(offsetSecondsAt('America/New_York', transition)).toBe(-4 * HOUR);
  });

  test('rejects unknown zones and non-instants', () => {
    expect(() => offsetSecondsAt('Mars/Olympus_Mons', 0)).toThrow(RangeError);
    expect(() => offsetSecondsAt('UTC', Number.NaN)).toThrow(RangeError);
    expect(() => offsetSecondsAt('UTC', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  test('fails loudly for years before 1 BC rather than misreading them', () => {
    expect(() => offsetSecondsAt('UTC', Date.UTC(-1, 0, 1))).toThrow(RangeError);
  });

  test('agrees with Intl longOffset names in every zone the runtime knows, from 1800 to today', () => {
    const instants = ['1800-01-01', '1900-06-01', '1950-01-01', '1990-07-01', '2025-01-15', '2025-07-15'].map((date) =>
      Date.parse(`${date}T00:00:00Z`),
    );
    const disagreements: string[] = [];
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const namer = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
      for (const instant of instants) {
        const name = namer.formatToParts(instant).find((part) => part.type === 'timeZoneName')?.value ?? '';
        const expected = parseLongOffset(name);
        const actual = offsetSecondsAt(zone, instant);
        if (actual !== expected) {
          disagreements.push(`${zone} ${new Date(instant).toISOString()}: ${actual} vs ${name}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe('localDateTimeAt', () => {
  test('reads the wall clock', () => {
    const { date, secondsOfDay } = localDateTimeAt('Asia/Tehran', Date.parse('2025-12-18T04:00:00Z'));
    expect(formatLocalDate(date)).toBe('2025-12-18');
    expect(secondsOfDay).toBe(7 * HOUR + 30 * MINUTE);
  });

  test('drops sub-second parts by flooring, also before 1970', () => {
    expect(localDateTimeAt('UTC', -1)).toEqual({ date: { year: 1969, month: 12, day: 31 }, secondsOfDay: 86_399 });
    expect(localDateTimeAt('UTC', 999)).toEqual({ date: { year: 1970, month: 1, day: 1 }, secondsOfDay: 0 });
  });

  test('reads an hour of "24" (printed by some engines at midnight) as 00 of the same date', () => {
    const spy = jest.spyOn(Intl.DateTimeFormat.prototype, 'formatToParts').mockReturnValueOnce([
      { type: 'month', value: '3' },
      { type: 'literal', value: '/' },
      { type: 'day', value: '9' },
      { type: 'literal', value: '/' },
      { type: 'year', value: '2025' },
      { type: 'literal', value: ' ' },
      { type: 'era', value: 'AD' },
      { type: 'literal', value: ', ' },
      { type: 'hour', value: '24' },
      { type: 'literal', value: ':' },
      { type: 'minute', value: '00' },
      { type: 'literal', value: ':' },
      { type: 'second', value: '00' },
    ]);
    try {
      expect(localDateTimeAt('UTC', Date.parse('2025-03-09T00:00:00Z'))).toEqual({
        date: { year: 2025, month: 3, day: 9 },
        secondsOfDay: 0,
      });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('localDateAt', () => {
  test('follows the zone, not UTC', () => {
    const instant = Date.parse('2025-03-20T21:00:00Z');
    expect(formatLocalDate(localDateAt('UTC', instant))).toBe('2025-03-20');
    expect(formatLocalDate(localDateAt('Asia/Tehran', instant))).toBe('2025-03-21');
    expect(formatLocalDate(localDateAt('America/New_York', instant))).toBe('2025-03-20');
  });

  test('never yields 1994-12-31 in Kiritimati, which skipped that date', () => {
    expect(formatLocalDate(localDateAt('Pacific/Kiritimati', Date.parse('1994-12-31T09:59:59Z')))).toBe('1994-12-30');
    expect(formatLocalDate(localDateAt('Pacific/Kiritimati', Date.parse('1994-12-31T10:00:00Z')))).toBe('1995-01-01');
  });
});

/** 'GMT', 'GMT+05:30', 'GMT-04:56:02' → seconds. */
function parseLongOffset(name: string): number {
  const match = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!match) throw new Error(`Unexpected offset name ${name}`);
  const [, sign, hours = '0', minutes = '0', seconds = '0'] = match;
  const magnitude = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  return sign === '-' ? -magnitude : magnitude;
}
