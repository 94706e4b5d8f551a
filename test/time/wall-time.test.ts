import {
  addDays,
  daySegments,
  formatIsoWithOffset,
  formatLocalDate,
  parseLocalDate,
  resolveWallTime,
  startOfDay,
} from '../../time';
import type { DaySegment, LocalDate } from '../../time';
import { segmentsFromTimeline } from '../../time/day-segments';
import type { OffsetTimeline } from '../../time/zone-transitions';

/*
 * Brute-force oracle, independent of the code under test. It applies the
 * definition of Temporal's 'compatible' disambiguation directly:
 *   1. every instant showing a wall time is `wall − o` for an offset o the zone
 *      uses nearby, and it shows that wall time iff the zone's offset at that
 *      instant is o: take the earliest;
 *   2. none (a gap): Temporal's DisambiguatePossibleEpochNanoseconds moves the
 *      wall time forward by the gap's length (offset after − offset before)
 *      and takes the last instant showing that.
 * For real zones the offsets come from Intl's 'longOffset' zone names, a
 * different Intl path from the formatToParts reading in time/zone-offset.ts.
 */

const DAY = 86_400;

/** A zone as the oracle sees it; all times in epoch seconds. */
interface OracleZone {
  readonly offsetAt: (epochSecond: number) => number;
  /** Every offset in force around the date, largest first, so `wall − o` ascends. */
  readonly offsets: readonly number[];
  /** Offset after − offset before the gap that contains `wall`. */
  readonly gapLength: (wall: number) => number;
}

interface OracleAnswer {
  /** Epoch seconds. */
  readonly instant: number;
  /** wall − instant: the offset the answer was computed with. */
  readonly offsetUsed: number;
  /** Wall clock shown at the instant, minus the requested wall time. */
  readonly wallShift: number;
}

function instantsShowing(zone: OracleZone, wall: number): number[] {
  return zone.offsets.map((offset) => wall - offset).filter((instant) => zone.offsetAt(instant) === wall - instant);
}

function compatibleAnswer(zone: OracleZone, wall: number): OracleAnswer {
  let instant = instantsShowing(zone, wall)[0];
  if (instant === undefined) {
    const gap = zone.gapLength(wall);
    instant = instantsShowing(zone, wall + gap).at(-1);
    if (instant === undefined) throw new Error(`Oracle: nothing shows ${wall} + ${gap}`);
  }
  return { instant, offsetUsed: wall - instant, wallShift: instant + zone.offsetAt(instant) - wall };
}

const offsetNamers = new Map<string, Intl.DateTimeFormat>();
const offsetByName = new Map<string, number>();

function intlOffset(zoneName: string, epochSecond: number): number {
  let namer = offsetNamers.get(zoneName);
  if (namer === undefined) {
    namer = new Intl.DateTimeFormat('en-US', { timeZone: zoneName, timeZoneName: 'longOffset' });
    offsetNamers.set(zoneName, namer);
  }
  const text = namer.format(epochSecond * 1000);
  const name = text.slice(text.lastIndexOf('GMT'));
  let offset = offsetByName.get(name);
  if (offset === undefined) {
    offset = parseLongOffset(name);
    offsetByName.set(name, offset);
  }
  return offset;
}

/** 'GMT', 'GMT+05:30', 'GMT-04:56:02' → seconds. */
function parseLongOffset(name: string): number {
  const match = /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(name);
  if (!match) throw new Error(`Unexpected offset name '${name}'`);
  const [, sign, hours = '0', minutes = '0', seconds = '0'] = match;
  const magnitude = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  return sign === '-' ? -magnitude : magnitude;
}

function intlZone(zoneName: string, midnight: number): OracleZone {
  const offsetAt = (epochSecond: number): number => intlOffset(zoneName, epochSecond);
  // Sampled every 15 minutes: any offset in force longer than that is seen.
  const seen = new Set<number>();
  for (let second = midnight - 2 * DAY; second <= midnight + 3 * DAY; second += 900) seen.add(offsetAt(second));
  return {
    offsetAt,
    offsets: [...seen].sort((a, b) => b - a),
    // As the Temporal reference code does it: offsets a day either side.
    // Real transitions are days apart, so these are the gap's own offsets.
    gapLength: (wall) => offsetAt(wall + DAY) - offsetAt(wall - DAY),
  };
}

/** A made-up zone whose offsets change on whole minutes, as `timeline` says. */
function syntheticZone(timeline: OffsetTimeline): OracleZone {
  const offsetAt = (epochSecond: number): number =>
    timeline.transitions.filter((t) => t.atEpochSecond <= epochSecond).at(-1)?.offsetAfter ?? timeline.initialOffset;
  const offsets = [timeline.initialOffset, ...timeline.transitions.map((t) => t.offsetAfter)];
  const zone: OracleZone = {
    offsetAt,
    offsets: [...new Set(offsets)].sort((a, b) => b - a),
    // The Temporal spec's own definition: the offsets of the nearest wall
    // times before and after that exist. Minute steps suffice because the
    // offsets (and so the edges of gaps) are whole minutes.
    gapLength: (wall) => {
      const existing = (w: number): number | undefined => instantsShowing(zone, w)[0];
      let before = wall - 1;
      while (existing(before) === undefined) before -= 60;
      let after = wall + 1;
      while (existing(after) === undefined) after += 60;
      return offsetAt(existing(after) as number) - offsetAt(existing(before) as number);
    },
  };
  return zone;
}

/**
 * The oracle's answer at every minute of the day, refined to every second
 * inside each minute where the answer changes (offsets can change on any
 * second: local mean time). Returns the answers and the segments they imply.
 */
function oracleDay(zone: OracleZone, midnight: number): { answers: Map<number, OracleAnswer>; segments: DaySegment[] } {
  const answerAt = (secondsOfDay: number): OracleAnswer => compatibleAnswer(zone, midnight + secondsOfDay);
  const answers = new Map<number, OracleAnswer>();
  const samples = Array.from({ length: DAY / 60 }, (_, minute) => minute * 60);
  samples.push(DAY - 1);
  for (const second of samples) answers.set(second, answerAt(second));
  const sameRule = (a: OracleAnswer, b: OracleAnswer): boolean =>
    a.offsetUsed === b.offsetUsed && a.wallShift === b.wallShift;
  for (let i = 0; i + 1 < samples.length; i++) {
    const from = samples[i] as number;
    const to = samples[i + 1] as number;
    if (!sameRule(answers.get(from) as OracleAnswer, answers.get(to) as OracleAnswer)) {
      for (let second = from + 1; second < to; second++) answers.set(second, answerAt(second));
    }
  }
  const segments: DaySegment[] = [];
  for (const second of [...answers.keys()].sort((a, b) => a - b)) {
    const answer = answers.get(second) as OracleAnswer;
    const last = segments.at(-1);
    if (last && last.offsetSeconds === answer.offsetUsed && last.wallShiftSeconds === answer.wallShift) continue;
    if (last) segments[segments.length - 1] = { ...last, toSecond: second };
    segments.push({
      fromSecond: second,
      toSecond: DAY,
      offsetSeconds: answer.offsetUsed,
      wallShiftSeconds: answer.wallShift,
    });
  }
  return { answers, segments };
}

function utcMidnightSecond(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 1000;
}

function oracleResolve(zoneName: string, dateText: string, secondsOfDay: number): number {
  const midnight = utcMidnightSecond(parseLocalDate(dateText));
  return compatibleAnswer(intlZone(zoneName, midnight), midnight + secondsOfDay).instant * 1000;
}

/** 'HH:MM' or 'HH:MM:SS' → seconds of day. */
function time(text: string): number {
  const [hours = 0, minutes = 0, seconds = 0] = text.split(':').map(Number);
  return hours * 3600 + minutes * 60 + seconds;
}

const HOUR = 3600;

describe('the compatible rule, case by case', () => {
  test.each([
    // zone, date, wall time, instant, what the zone's clock shows then
    ['America/New_York', '2025-03-09', '02:30', '2025-03-09T07:30:00.000Z', '2025-03-09T03:30:00-04:00'], // gap: forward
    ['America/New_York', '2025-03-09', '01:59:59', '2025-03-09T06:59:59.000Z', '2025-03-09T01:59:59-05:00'],
    ['America/New_York', '2025-03-09', '03:00', '2025-03-09T07:00:00.000Z', '2025-03-09T03:00:00-04:00'],
    ['America/New_York', '2025-11-02', '01:30', '2025-11-02T05:30:00.000Z', '2025-11-02T01:30:00-04:00'], // fold: earlier
    ['America/New_York', '2025-11-02', '02:00', '2025-11-02T07:00:00.000Z', '2025-11-02T02:00:00-05:00'],
    ['Europe/London', '2025-03-30', '01:30', '2025-03-30T01:30:00.000Z', '2025-03-30T02:30:00+01:00'], // gap
    ['Europe/London', '2025-10-26', '01:30', '2025-10-26T00:30:00.000Z', '2025-10-26T01:30:00+01:00'], // fold
    ['Asia/Tehran', '2021-03-22', '00:30', '2021-03-21T21:00:00.000Z', '2021-03-22T01:30:00+04:30'], // gap at midnight
    ['Asia/Tehran', '2021-09-21', '23:30', '2021-09-21T19:00:00.000Z', '2021-09-21T23:30:00+04:30'], // fold at day end
    ['Asia/Tehran', '2021-09-22', '00:00', '2021-09-21T20:30:00.000Z', '2021-09-22T00:00:00+03:30'],
    ['Asia/Tehran', '2023-03-22', '00:30', '2023-03-21T21:00:00.000Z', '2023-03-22T00:30:00+03:30'], // no DST since 2022
    ['Australia/Lord_Howe', '2024-10-06', '02:15', '2024-10-05T15:45:00.000Z', '2024-10-06T02:45:00+11:00'], // 30-min gap
    ['Australia/Lord_Howe', '2024-04-07', '01:45', '2024-04-06T14:45:00.000Z', '2024-04-07T01:45:00+11:00'], // 30-min fold
    ['Pacific/Chatham', '2024-09-29', '03:00', '2024-09-28T14:15:00.000Z', '2024-09-29T04:00:00+13:45'],
    ['Pacific/Chatham', '2024-04-07', '03:00', '2024-04-06T13:15:00.000Z', '2024-04-07T03:00:00+13:45'],
    ['Australia/Sydney', '2025-10-05', '02:30', '2025-10-04T16:30:00.000Z', '2025-10-05T03:30:00+11:00'],
    ['Australia/Sydney', '2025-04-06', '02:30', '2025-04-05T15:30:00.000Z', '2025-04-06T02:30:00+11:00'],
    ['America/Santiago', '2025-09-07', '00:00', '2025-09-07T04:00:00.000Z', '2025-09-07T01:00:00-03:00'],
    ['America/Santiago', '2025-04-05', '23:30', '2025-04-06T02:30:00.000Z', '2025-04-05T23:30:00-03:00'],
    ['Pacific/Kiritimati', '1994-12-31', '12:00', '1994-12-31T22:00:00.000Z', '1995-01-01T12:00:00+14:00'], // skipped date
    ['Pacific/Kiritimati', '2025-01-01', '00:00', '2024-12-31T10:00:00.000Z', '2025-01-01T00:00:00+14:00'],
    ['Africa/Monrovia', '1972-01-07', '00:10', '1972-01-07T00:54:30.000Z', '1972-01-07T00:54:30+00:00'], // 44m30s gap
    ['America/New_York', '1883-11-18', '12:02', '1883-11-18T16:58:02.000Z', '1883-11-18T12:02:00-04:56:02'], // 3m58s fold
    ['UTC', '2024-02-29', '12:34:56', '2024-02-29T12:34:56.000Z', '2024-02-29T12:34:56+00:00'],
  ])('%s %s %s is %s, shown as %s', (zone, dateText, wallTime, expectedInstant, expectedWall) => {
    const instant = resolveWallTime(zone, parseLocalDate(dateText), time(wallTime));
    expect(new Date(instant).toISOString()).toBe(expectedInstant);
    expect(formatIsoWithOffset(zone, instant)).toBe(expectedWall);
    expect(instant).toBe(oracleResolve(zone, dateText, time(wallTime)));
  });
});

describe('startOfDay', () => {
  test.each([
    ['America/New_York', '2025-03-09', '2025-03-09T00:00:00-05:00'],
    ['Asia/Tehran', '2021-03-22', '2021-03-22T01:00:00+04:30'], // midnight skipped
    ['America/Santiago', '2025-09-07', '2025-09-07T01:00:00-03:00'], // midnight skipped
    ['America/Havana', '2025-03-09', '2025-03-09T01:00:00-04:00'], // midnight skipped
    ['Africa/Monrovia', '1972-01-07', '1972-01-07T00:44:30+00:00'], // midnight to 00:44:30 skipped
    ['America/Santiago', '2025-04-06', '2025-04-06T00:00:00-04:00'], // after the fold of the evening before
    ['Pacific/Kiritimati', '1994-12-31', '1995-01-01T00:00:00+14:00'], // the date never happened
  ])('%s %s starts at %s', (zone, dateText, expected) => {
    const start = startOfDay(zone, parseLocalDate(dateText));
    expect(formatIsoWithOffset(zone, start)).toBe(expected);
    expect(start).toBe(resolveWallTime(zone, parseLocalDate(dateText), 0));
  });
});

describe('daySegments, spelled out', () => {
  const segment = (fromSecond: number, toSecond: number, offsetSeconds: number, wallShiftSeconds = 0): DaySegment => ({
    fromSecond,
    toSecond,
    offsetSeconds,
    wallShiftSeconds,
  });

  test.each([
    ['UTC', '2025-06-15', [segment(0, DAY, 0)]],
    ['America/New_York', '2025-07-01', [segment(0, DAY, -4 * HOUR)]],
    [
      'America/New_York',
      '2025-03-09', // 02:00-03:00 forwarded by an hour on EST; EDT from 03:00
      [
        segment(0, 2 * HOUR, -5 * HOUR),
        segment(2 * HOUR, 3 * HOUR, -5 * HOUR, HOUR),
        segment(3 * HOUR, DAY, -4 * HOUR),
      ],
    ],
    ['America/New_York', '2025-11-02', [segment(0, 2 * HOUR, -4 * HOUR), segment(2 * HOUR, DAY, -5 * HOUR)]], // 01:xx is EDT
    ['Asia/Tehran', '2021-03-22', [segment(0, HOUR, 3.5 * HOUR, HOUR), segment(HOUR, DAY, 4.5 * HOUR)]],
    ['Asia/Tehran', '2021-09-21', [segment(0, DAY, 4.5 * HOUR)]], // the repeated 23:xx stays on +04:30
    ['Asia/Tehran', '2021-09-22', [segment(0, DAY, 3.5 * HOUR)]],
    [
      'Australia/Lord_Howe',
      '2024-10-06',
      [
        segment(0, 2 * HOUR, 10.5 * HOUR),
        segment(2 * HOUR, 2.5 * HOUR, 10.5 * HOUR, 1800),
        segment(2.5 * HOUR, DAY, 11 * HOUR),
      ],
    ],
    ['Pacific/Chatham', '2024-04-07', [segment(0, 3.75 * HOUR, 13.75 * HOUR), segment(3.75 * HOUR, DAY, 12.75 * HOUR)]],
    ['Pacific/Kiritimati', '1994-12-31', [segment(0, DAY, -10 * HOUR, DAY)]], // all of it one gap
    ['Africa/Monrovia', '1972-01-07', [segment(0, 2670, -2670, 2670), segment(2670, DAY, 0)]],
  ])('%s %s', (zone, dateText, expected) => {
    expect(daySegments(zone, parseLocalDate(dateText))).toEqual(expected);
  });

  test('hands out a fresh array each time', () => {
    const date = parseLocalDate('2025-03-09');
    daySegments('America/New_York', date).pop();
    expect(daySegments('America/New_York', date)).toHaveLength(3);
  });
});

describe('input checks', () => {
  const date = parseLocalDate('2025-03-09');
  test.each([-1, DAY, 1.5, Number.NaN])('rejects %p seconds of day', (seconds) => {
    expect(() => resolveWallTime('UTC', date, seconds)).toThrow(RangeError);
  });
  test('rejects invalid dates and unknown zones', () => {
    expect(() => resolveWallTime('UTC', { year: 2025, month: 2, day: 30 }, 0)).toThrow(RangeError);
    expect(() => daySegments('Mars/Olympus_Mons', date)).toThrow(RangeError);
  });
});

/*
 * Exhaustive: every minute (and every second where the rule changes) of each
 * transition day and the days on either side, plus ordinary days.
 */
const transitionDays: Record<string, string[]> = {
  'America/New_York': ['2025-03-09', '2025-11-02', '1883-11-18'],
  'Europe/London': ['2025-03-30', '2025-10-26'],
  'Asia/Tehran': ['2021-03-22', '2021-09-22', '2022-03-22', '2022-09-22'],
  'Australia/Lord_Howe': ['2024-04-07', '2024-10-06'],
  'Pacific/Chatham': ['2024-04-07', '2024-09-29'],
  'Pacific/Kiritimati': ['1994-12-31'],
  'Australia/Sydney': ['2025-04-06', '2025-10-05'],
  'America/Santiago': ['2025-04-06', '2025-09-07'],
  'Africa/Monrovia': ['1972-01-07'],
};
const ordinaryDays: Record<string, string[]> = {
  UTC: ['2025-06-15', '2024-02-29'],
  'America/New_York': ['2025-07-01'],
  'Europe/London': ['2025-01-15'],
  'Asia/Tehran': ['2023-03-22', '2023-09-22', '2025-06-01'],
  'Pacific/Kiritimati': ['2025-01-01'],
  'Pacific/Chatham': ['2025-01-01'],
};

const around = (dateText: string): string[] =>
  [-1, 0, 1].map((days) => formatLocalDate(addDays(parseLocalDate(dateText), days)));

const exhaustiveCases: [string, string][] = [
  ...Object.entries(transitionDays).flatMap(([zone, dates]) =>
    dates.flatMap(around).map((dateText): [string, string] => [zone, dateText]),
  ),
  ...Object.entries(ordinaryDays).flatMap(([zone, dates]) =>
    dates.map((dateText): [string, string] => [zone, dateText]),
  ),
];

describe('against the brute-force oracle, every minute', () => {
  test.each(exhaustiveCases)('%s %s', (zone, dateText) => {
    const date = parseLocalDate(dateText);
    const oracle = oracleDay(intlZone(zone, utcMidnightSecond(date)), utcMidnightSecond(date));

    expect(daySegments(zone, date)).toEqual(oracle.segments);

    const wrong: string[] = [];
    for (const [second, answer] of oracle.answers) {
      const instant = resolveWallTime(zone, date, second);
      if (instant !== answer.instant * 1000) wrong.push(`${second}: ${instant} vs ${answer.instant * 1000}`);
    }
    expect(wrong).toEqual([]);
  });

  test.each(Object.entries(ordinaryDays).flatMap(([zone, dates]) => dates.map((d): [string, string] => [zone, d])))(
    '%s %s has exactly one segment',
    (zone, dateText) => {
      expect(daySegments(zone, parseLocalDate(dateText))).toHaveLength(1);
    },
  );
});

/*
 * No real zone has had two transitions within days of each other, but the
 * rule is written for that case; check it on made-up timelines around
 * 1970-01-01 (UTC midnight = epoch second 0).
 */
describe('segmentsFromTimeline with several transitions in a day, against the oracle', () => {
  const at = (hours: number, before: number, after: number) => ({
    atEpochSecond: hours * HOUR,
    offsetBefore: before * HOUR,
    offsetAfter: after * HOUR,
  });
  const timeline = (initialOffsetHours: number, ...transitions: ReturnType<typeof at>[]): OffsetTimeline => ({
    initialOffset: initialOffsetHours * HOUR,
    transitions,
  });

  test.each<[string, OffsetTimeline]>([
    ['gap at 02:00, fold at 20:00', timeline(0, at(2, 0, 1), at(19, 1, 0))],
    ['two gaps (01:00 and 04:00, an hour each)', timeline(0, at(1, 0, 1), at(3, 1, 2))],
    ['gap at 01:00, fold at 04:00', timeline(0, at(1, 0, 1), at(3, 1, 0))],
    ['fold at 11:00, gap at 12:00 of 90 minutes', timeline(1, at(10, 1, 0), at(12, 0, 1.5))],
    ['fold at 23:00 ending the day, gap at 01:00 the next', timeline(5, at(18, 5, 4), at(21, 4, 5))],
    ['gap at midnight the day before, fold at midnight the day after', timeline(-3, at(-21, -3, -2), at(26, -2, -3))],
    ['transitions days away only', timeline(3, at(-40, 3, 4), at(50, 4, 3))],
  ])('%s', (_, offsets) => {
    expect(segmentsFromTimeline(offsets, 0)).toEqual(oracleDay(syntheticZone(offsets), 0).segments);
  });

  test('spelled out: gap at 02:00, fold at 20:00', () => {
    expect(segmentsFromTimeline(timeline(0, at(2, 0, 1), at(19, 1, 0)), 0)).toEqual([
      { fromSecond: 0, toSecond: 2 * HOUR, offsetSeconds: 0, wallShiftSeconds: 0 },
      { fromSecond: 2 * HOUR, toSecond: 3 * HOUR, offsetSeconds: 0, wallShiftSeconds: HOUR },
      { fromSecond: 3 * HOUR, toSecond: 20 * HOUR, offsetSeconds: HOUR, wallShiftSeconds: 0 },
      { fromSecond: 20 * HOUR, toSecond: DAY, offsetSeconds: 0, wallShiftSeconds: 0 },
    ]);
  });

  // Temporal's spec asserts this cannot happen (the forwarded time would land
  // in the next gap); the rule here stays the same: the offset before the
  // first gap, and the clock shows wherever that instant really is.
  test('spelled out: a second gap right behind the first', () => {
    expect(segmentsFromTimeline(timeline(0, at(1, 0, 1), at(1.5, 1, 2)), 0)).toEqual([
      { fromSecond: 0, toSecond: 1 * HOUR, offsetSeconds: 0, wallShiftSeconds: 0 },
      { fromSecond: 1 * HOUR, toSecond: 1.5 * HOUR, offsetSeconds: 0, wallShiftSeconds: HOUR },
      { fromSecond: 1.5 * HOUR, toSecond: 2 * HOUR, offsetSeconds: 0, wallShiftSeconds: 2 * HOUR },
      { fromSecond: 2 * HOUR, toSecond: 2.5 * HOUR, offsetSeconds: HOUR, wallShiftSeconds: 0 },
      { fromSecond: 2.5 * HOUR, toSecond: 3.5 * HOUR, offsetSeconds: HOUR, wallShiftSeconds: HOUR },
      { fromSecond: 3.5 * HOUR, toSecond: DAY, offsetSeconds: 2 * HOUR, wallShiftSeconds: 0 },
    ]);
  });
});
