/**
 * The schedule editor's preview on DST days, at fixed instants: a time in a spring-forward gap, a
 * time in a fall-back fold, a zone without DST; the same instants as the firing calendar's source
 * (firingTimesBetween), and the flag as the page shows it.
 */
import type { ProcessView } from '../../api/schemas/process';
import { scheduleEditPage } from '../../api/ui/pages/schedule-edit';
import { previewRuns } from '../../api/ui/schedule-preview';
import { firingTimesBetween } from '../../time';

const YEAR = 366 * 86_400_000;

describe('previewRuns', () => {
  it('flags a US spring-forward day and says 02:30 runs at 03:30 that day', () => {
    const schedule = { hour: 2, minute: 30, timezone: 'America/New_York' };
    const runs = previewRuns(schedule, Date.parse('2027-03-12T12:00:00Z'));
    expect(runs.map((r) => [r.local, r.utc, r.clockChange !== null])).toEqual([
      ['2027-03-13 02:30', '2027-03-13 07:30', false],
      ['2027-03-14 03:30', '2027-03-14 07:30', true],
      ['2027-03-15 02:30', '2027-03-15 06:30', false],
      ['2027-03-16 02:30', '2027-03-16 06:30', false],
      ['2027-03-17 02:30', '2027-03-17 06:30', false],
    ]);
    expect(runs[1]).toMatchObject({
      clockChange: { from: 'UTC-05:00', to: 'UTC-04:00' },
      note: expect.stringContaining('02:30 does not exist that day'),
    });
  });

  it('flags a London fall-back day and says 01:30 runs once, at the first', () => {
    const schedule = { hour: 1, minute: 30, timezone: 'Europe/London' };
    const runs = previewRuns(schedule, Date.parse('2027-10-29T12:00:00Z'));
    expect(runs.map((r) => [r.local, r.utc])).toEqual([
      ['2027-10-30 01:30', '2027-10-30 00:30'],
      ['2027-10-31 01:30', '2027-10-31 00:30'],
      ['2027-11-01 01:30', '2027-11-01 01:30'],
      ['2027-11-02 01:30', '2027-11-02 01:30'],
      ['2027-11-03 01:30', '2027-11-03 01:30'],
    ]);
    expect(runs.map((r) => r.clockChange !== null)).toEqual([false, true, false, false, false]);
    expect(runs[1]?.note).toContain('01:30 occurs twice that day');
  });

  it('flags nothing in Asia/Tehran, which has had no DST since 2022, over a whole year', () => {
    const runs = previewRuns({ hour: 0, minute: 30, timezone: 'Asia/Tehran' }, Date.parse('2027-01-01T00:00:00Z'), 365);
    expect(runs.filter((r) => r.clockChange !== null)).toEqual([]);
    expect(new Set(runs.map((r) => r.utc.slice(11)))).toEqual(new Set(['21:00']));
  });

  it.each([
    ['America/New_York', 2, 30],
    ['Europe/London', 1, 30],
    ['Australia/Lord_Howe', 2, 15],
    ['Pacific/Chatham', 3, 0],
  ])(
    'lists in %s the instants the schedule spec is built from (firingTimesBetween), over a year',
    (zone, hour, minute) => {
      const schedule = { hour, minute, timezone: zone };
      const from = Date.parse('2027-01-01T00:00:00Z');
      const runs = previewRuns(schedule, from, 365);
      expect(runs.map((r) => r.at)).toEqual(firingTimesBetween(zone, schedule, from + 1, from + YEAR).slice(0, 365));
      expect(runs.filter((r) => r.clockChange !== null)).toHaveLength(2);
    },
  );
});

describe('the schedule editor page', () => {
  it('shows a flagged run as such, with what the rule did, and the save form carrying the CSRF token', () => {
    const schedule = { hour: 2, minute: 30, timezone: 'America/New_York' };
    const now = Date.parse('2027-03-12T12:00:00Z');
    const view = { name: 'nightly', paused: false, schedule, schedule_error: null } as unknown as ProcessView;
    const page = scheduleEditPage(
      {
        view,
        current: schedule,
        values: { hour: '2', minute: '30', timezone: 'America/New_York' },
        zones: ['America/New_York', 'UTC'],
        preview: { schedule, runs: previewRuns(schedule, now) },
        error: null,
        now,
      },
      { csrf: 'token-1', signedIn: true },
    );
    const flagged = page.match(/<tr class="flagged">[\s\S]*?<\/tr>/g) ?? [];
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toContain('2027-03-14 03:30');
    expect(flagged[0]).toContain('Clocks change this day');
    expect(flagged[0]).toContain('02:30 does not exist that day');
    expect(page).toMatch(
      /<form method="post" action="\/ui\/processes\/nightly\/schedule"[\s\S]*name="_csrf" value="token-1"/,
    );
    expect(page).toContain('<option value="America/New_York"></option>');
  });
});
