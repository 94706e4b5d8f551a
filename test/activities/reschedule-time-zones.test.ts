import { MockActivityEnvironment } from '@temporalio/testing';
import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import {
  addDays,
  formatLocalDate,
  jalaliAt,
  localDateTimeAt,
  parseLocalDate,
  resolveWallTime,
  startOfDay,
} from '../../time';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { arrangeRun, insertTask, insertTaskSeries, isoSql } from '../helpers/fixtures';

/**
 * The set-based SQL must agree, for every local time of day, with the pure wall-time rules
 * (themselves checked against a brute-force oracle in test/time). Days on both sides of each
 * transition, in the zones with the oddest rules.
 */
const TRANSITION_DAYS: Record<string, string[]> = {
  'America/New_York': ['2025-03-09', '2025-11-02'],
  'Europe/London': ['2025-03-30', '2025-10-26'],
  'Asia/Tehran': ['2021-03-22', '2021-09-21', '2025-12-18'],
  'Australia/Lord_Howe': ['2024-04-07', '2024-10-06'],
  'Pacific/Chatham': ['2024-04-07', '2024-09-29'],
  'Pacific/Kiritimati': ['1995-01-01', '2025-06-15'],
};

const CASES = Object.entries(TRANSITION_DAYS).flatMap(([zone, days]) =>
  days.flatMap((day) =>
    [-1, 0, 1].map((delta) => ({ zone, day: formatLocalDate(addDays(parseLocalDate(day), delta)) })),
  ),
);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe.each(CASES)('moving tasks to $day in $zone', ({ zone, day }) => {
  it('gives every time of day the instant that the compatible rule gives, and its Jalali rendering', async () => {
    await sql(db.orm, 'TRUNCATE tasks');
    const target = parseLocalDate(day);
    // Originals three days earlier, every 10 minutes of the local day, plus odd seconds.
    const originalDayStart = startOfDay(zone, addDays(target, -3));
    await insertTaskSeries(
      db.orm,
      {
        from: '(SELECT generate_series(0, 86399, 600) UNION ALL SELECT 5437) AS s(i)',
        name: "'tz'",
        due: 'to_timestamp(? + i)',
      },
      [originalDayStart / 1000],
    );
    const run = await arrangeRun(db.orm, {
      timezone: zone,
      day,
      logicalTime: new Date(startOfDay(zone, target)).toISOString(),
    });

    await new MockActivityEnvironment().run(
      createRescheduleActivities({ orm: db.orm, batchSize: 50 }).rescheduleOverdueTasks,
      run,
    );

    const moves = await sql<{ old: string; new: string; new_jalali: string }>(
      db.orm,
      `SELECT ${isoSql('old_due_gregorian')} AS old, ${isoSql('new_due_gregorian')} AS new, new_due_jalali AS new_jalali
         FROM automated_process_task_moves WHERE execution_id = ?`,
      [run.executionId],
    );
    const originals = await sql<{ n: string }>(db.orm, "SELECT count(*) AS n FROM tasks WHERE name = 'tz'");
    expect(moves).toHaveLength(Number(originals[0]?.n));
    const mismatches = moves.flatMap((m) => {
      const original = localDateTimeAt(zone, Date.parse(m.old));
      const expected = resolveWallTime(zone, target, original.secondsOfDay);
      const expectedJalali = jalaliAt(zone, expected);
      return m.new === new Date(expected).toISOString() && m.new_jalali === expectedJalali
        ? []
        : [{ ...m, expected: new Date(expected).toISOString(), expectedJalali }];
    });
    expect(mismatches).toEqual([]);
  });
});

describe('readable cases', () => {
  async function move(zone: string, day: string, originalUtc: string) {
    await sql(db.orm, 'TRUNCATE tasks');
    await insertTask(db.orm, { name: 'x', due: originalUtc });
    const run = await arrangeRun(db.orm, { timezone: zone, day, logicalTime: `${day}T12:00:00Z` });
    await new MockActivityEnvironment().run(
      createRescheduleActivities({ orm: db.orm, batchSize: 50 }).rescheduleOverdueTasks,
      run,
    );
    const [row] = await sql<{ due: string; jalali: string }>(
      db.orm,
      `SELECT ${isoSql('due_date_gregorian')} AS due, due_date_jalali AS jalali FROM tasks`,
    );
    return row;
  }

  it('a 02:30 task moved to the US spring-forward day lands at 03:30 EDT', async () => {
    // 2025-03-05 02:30 EST = 07:30Z
    expect((await move('America/New_York', '2025-03-09', '2025-03-05T07:30:00Z'))?.due).toBe(
      '2025-03-09T07:30:00.000Z',
    );
  });

  it('a 01:30 task moved to the US fall-back day takes the earlier 01:30 (EDT), unlike PostgreSQL AT TIME ZONE', async () => {
    // 2025-10-30 01:30 EDT = 05:30Z; on 2025-11-02, 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
    expect((await move('America/New_York', '2025-11-02', '2025-10-30T05:30:00Z'))?.due).toBe(
      '2025-11-02T05:30:00.000Z',
    );
    const [pg] = await sql<{ due: string }>(
      db.orm,
      `SELECT ${isoSql("timestamp '2025-11-02 01:30' AT TIME ZONE 'America/New_York'")} AS due`,
    );
    expect(pg?.due).toBe('2025-11-02T06:30:00.000Z');
  });

  it("a 02:15 task moved to Lord Howe's 30-minute spring-forward day lands at 02:45", async () => {
    // Lord Howe 2024-10-06: 02:00 +10:30 jumps to 02:30 +11:00.
    expect(await move('Australia/Lord_Howe', '2024-10-06', '2024-10-01T15:45:00Z')).toEqual({
      due: '2024-10-05T15:45:00.000Z',
      jalali: '1403-07-15T02:45:00',
    });
  });

  it('keeps the +12:45 wall time in Chatham and +14:00 in Kiritimati', async () => {
    expect((await move('Pacific/Chatham', '2025-06-10', '2025-06-01T20:15:00Z'))?.due).toBe('2025-06-09T20:15:00.000Z');
    expect((await move('Pacific/Kiritimati', '2025-06-10', '2025-06-01T19:00:00Z'))?.due).toBe(
      '2025-06-09T19:00:00.000Z',
    );
  });
});
