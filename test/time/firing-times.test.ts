import { firingOn, firingTimesBetween, lastFiringAtOrBefore, nextFiringAfter } from '../../time/firing-times';
import { addDays, formatLocalDate, localDateAt, parseLocalDate } from '../../time';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

describe('the firing rule: once per local day, gaps forward, folds at the earlier instant', () => {
  it.each([
    ['America/New_York', '2026-03-08', 2, 30, '2026-03-08T07:30:00.000Z'], // gap: 03:30 EDT
    ['America/New_York', '2026-11-01', 1, 30, '2026-11-01T05:30:00.000Z'], // fold: 01:30 EDT
    ['America/Santiago', '2026-09-06', 0, 5, '2026-09-06T04:05:00.000Z'], // midnight jump: 01:05 -03
    ['Australia/Lord_Howe', '2026-10-04', 2, 15, '2026-10-03T15:45:00.000Z'], // 30-minute gap: 02:45 +11
    ['Europe/Berlin', '2026-03-29', 2, 30, '2026-03-29T01:30:00.000Z'], // gap: 03:30 CEST
    ['Europe/Berlin', '2026-10-25', 1, 30, '2026-10-24T23:30:00.000Z'], // before the fold: once, CEST
    ['Europe/Berlin', '2026-10-25', 2, 58, '2026-10-25T00:58:00.000Z'], // fold: the earlier, CEST
    ['America/Caracas', '2016-05-01', 2, 31, '2016-05-01T07:01:00.000Z'], // half-hour gap: 03:01 -04
  ])('%s %s at %i:%i fires at %s', (zone, date, hour, minute, expected) => {
    expect(iso(firingOn(zone, parseLocalDate(date), { hour, minute }))).toBe(expected);
  });

  it('lists one instant per local day across a fold, a gap and a skipped date', () => {
    const fold = firingTimesBetween(
      'America/New_York',
      { hour: 1, minute: 30 },
      at('2026-10-31T00:00Z'),
      at('2026-11-03T00:00Z'),
    );
    expect(fold.map(iso)).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    const caracas = firingTimesBetween(
      'America/Caracas',
      { hour: 2, minute: 31 },
      at('2016-04-30T00:00Z'),
      at('2016-05-03T00:00Z'),
    );
    expect(caracas.map(iso)).toEqual([
      '2016-04-30T07:01:00.000Z',
      '2016-05-01T07:01:00.000Z',
      '2016-05-02T06:31:00.000Z',
    ]);
    // Kiritimati skipped 1994-12-31: that date's time is 1995-01-01's, and fires once.
    const kiritimati = firingTimesBetween(
      'Pacific/Kiritimati',
      { hour: 10, minute: 0 },
      at('1994-12-29T00:00Z'),
      at('1995-01-02T00:00Z'),
    );
    const dates = kiritimati.map((t) => localDateAt('Pacific/Kiritimati', t));
    expect(new Set(dates.map((d) => `${d.year}-${d.month}-${d.day}`)).size).toBe(kiritimati.length);
  });

  it('finds the next and the last instant around any moment', () => {
    const time = { hour: 2, minute: 30 };
    expect(iso(nextFiringAfter('America/New_York', time, at('2026-03-07T07:30:00Z')))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(nextFiringAfter('America/New_York', time, at('2026-03-07T07:29:59Z')))).toBe('2026-03-07T07:30:00.000Z');
    expect(iso(lastFiringAtOrBefore('America/New_York', time, at('2026-03-08T07:30:00Z')))).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    expect(iso(lastFiringAtOrBefore('America/New_York', time, at('2026-03-08T07:29:59Z')))).toBe(
      '2026-03-07T07:30:00.000Z',
    );
  });

  it.each([
    ['America/New_York', '2026-01-01', '2026-12-31', 2, 30],
    ['Australia/Lord_Howe', '2026-01-01', '2026-12-31', 1, 45],
    ['Pacific/Apia', '2011-06-01', '2012-05-31', 10, 0], // skipped 2011-12-30
    ['Pacific/Kiritimati', '1994-10-01', '1995-03-31', 0, 30], // skipped 1994-12-31
    ['America/Caracas', '2007-12-01', '2007-12-31', 2, 45], // half an hour back
    ['America/Caracas', '2016-04-15', '2016-05-15', 2, 45], // half an hour forward
    ['Europe/Dublin', '1916-01-01', '1916-12-31', 2, 10], // Dublin Mean Time (-00:25:21), then DST
    ['Asia/Manila', '1844-12-01', '1845-01-31', 12, 0], // crossed the date line
  ])('%s from %s to %s at %i:%i: the same as resolving each day in full', (zone, from, to, hour, minute) => {
    const time = { hour, minute };
    const fromMs = at(`${from}T00:00:00Z`);
    const toMs = at(`${to}T23:59:59Z`);
    const naive: number[] = [];
    const last = localDateAt(zone, toMs);
    for (
      let date = addDays(localDateAt(zone, fromMs), -1);
      formatLocalDate(date) <= formatLocalDate(addDays(last, 1));
    ) {
      const instant = firingOn(zone, date, time);
      if (instant >= fromMs && instant <= toMs && naive[naive.length - 1] !== instant) naive.push(instant);
      date = addDays(date, 1);
    }
    expect(firingTimesBetween(zone, time, fromMs, toMs).map(iso)).toEqual(naive.map(iso));
  });
});
