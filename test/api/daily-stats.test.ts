/**
 * The process page's daily chart data (api/services/runs/daily-stats.ts): one query grouping a
 * process's runs by the local day they started in the process zone, over the last 30 or 90 days.
 */
import { randomUUID } from 'node:crypto';
import { dailyStats, dailyStatsCache, PAST_DAYS_TTL_MS } from '../../api/services/runs/daily-stats';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';

let db: TestDatabase;
let name: string;
// 15:30 in Tehran (+03:30): "today" is 2026-03-10 there.
const NOW = Date.parse('2026-03-10T12:00:00Z');

interface Run {
  readonly startedAt: string;
  readonly seconds?: number | null;
  readonly status?: string;
  readonly result?: Record<string, unknown> | null;
}

async function insertRun(processId: string, run: Run): Promise<void> {
  await sql(
    db.orm,
    `INSERT INTO automated_process_executions (execution_id, process_id, status, trigger, started_at, completed_at, result)
     VALUES (?, ?, ?, 'schedule', ?::timestamptz, ?::timestamptz + make_interval(secs => ?), ?::jsonb)`,
    [
      randomUUID(),
      processId,
      run.status ?? 'completed',
      run.startedAt,
      run.seconds === null ? null : run.startedAt,
      run.seconds ?? 0,
      run.result === undefined || run.result === null ? null : JSON.stringify(run.result),
    ],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  const subject = await insertProcess(db.orm, { timezone: 'Asia/Tehran' });
  name = subject.name;
  const other = await insertProcess(db.orm, { timezone: 'Asia/Tehran' });
  const runs: Run[] = [
    // 2026-02-08 23:30 Tehran: in the 90-day window only.
    { startedAt: '2026-02-08T20:00:00Z', seconds: 1, result: { tasks_rescheduled: 9 } },
    // 2026-02-09 00:30 Tehran: the first day of the 30-day window.
    { startedAt: '2026-02-08T21:00:00Z', seconds: 1, result: { tasks_rescheduled: 1 } },
    // 2026-03-09 23:30 Tehran.
    { startedAt: '2026-03-09T20:00:00Z', seconds: 2, result: { tasks_rescheduled: 5 } },
    // A count that is not a number moves nothing; a run without completed_at has no duration.
    { startedAt: '2026-03-09T19:00:00Z', seconds: null, status: 'running', result: { tasks_rescheduled: '7' } },
    // 2026-03-10 00:30 Tehran, though 03-09 in UTC: the local day counts.
    { startedAt: '2026-03-09T21:00:00Z', seconds: 4, result: { tasks_archived: 3 } },
    { startedAt: '2026-03-10T10:00:00Z', seconds: 6, status: 'failed' },
    // 2026-03-11 00:30 Tehran: tomorrow, outside the window.
    { startedAt: '2026-03-10T21:00:00Z', seconds: 1, result: { tasks_rescheduled: 100 } },
  ];
  for (const run of runs) await insertRun(subject.processId, run);
  // Another process's run on the same day is not this one's.
  await insertRun(other.processId, { startedAt: '2026-03-10T10:00:00Z', seconds: 50, result: { tasks_archived: 50 } });
});

afterAll(async () => {
  await db?.drop();
});

describe('dailyStats', () => {
  it('groups the last 30 local days by the day each run started in the process zone', async () => {
    const stats = await dailyStats(db.orm.em.fork(), name, 'Asia/Tehran', 30, NOW);
    expect(stats.days).toHaveLength(30);
    expect(stats.days[0]).toBe('2026-02-09');
    expect(stats.days.at(-1)).toBe('2026-03-10');
    expect(stats.stats).toEqual([
      { day: '2026-02-09', runs: 1, failed: 0, moved: 1, avgDurationMs: 1000, maxDurationMs: 1000 },
      { day: '2026-03-09', runs: 2, failed: 0, moved: 5, avgDurationMs: 2000, maxDurationMs: 2000 },
      { day: '2026-03-10', runs: 2, failed: 1, moved: 3, avgDurationMs: 5000, maxDurationMs: 6000 },
    ]);
  });

  it('reaches back 90 days when asked', async () => {
    const stats = await dailyStats(db.orm.em.fork(), name, 'Asia/Tehran', 90, NOW);
    expect(stats.days).toHaveLength(90);
    expect(stats.days[0]).toBe('2025-12-11');
    expect(stats.stats.map((s) => [s.day, s.moved])).toEqual([
      ['2026-02-08', 9],
      ['2026-02-09', 1],
      ['2026-03-09', 5],
      ['2026-03-10', 3],
    ]);
  });

  it("days are the zone asked for: in UTC the 00:30 Tehran run falls on the 9th, and the next evening's on the 10th", async () => {
    const stats = await dailyStats(db.orm.em.fork(), name, 'UTC', 30, NOW);
    expect(stats.stats.find((s) => s.day === '2026-03-09')).toMatchObject({ runs: 3, moved: 8 });
    // 21:00 UTC on the 10th is still "today" in UTC, though tomorrow in Tehran.
    expect(stats.stats.find((s) => s.day === '2026-03-10')).toMatchObject({ runs: 2, failed: 1, moved: 100 });
  });

  it('answers no days for a process without runs, or a name no live process has', async () => {
    const { name: idle } = await insertProcess(db.orm);
    await expect(dailyStats(db.orm.em.fork(), idle, 'Asia/Tehran', 30, NOW)).resolves.toMatchObject({ stats: [] });
    await expect(dailyStats(db.orm.em.fork(), 'no_such_process', 'UTC', 30, NOW)).resolves.toMatchObject({
      stats: [],
    });
  });
});

describe('dailyStatsCache: the console keeps the days before today a while, never today', () => {
  test('a run added to a past day shows after PAST_DAYS_TTL_MS; one added today shows at once', async () => {
    const subject = await insertProcess(db.orm, { timezone: 'Asia/Tehran' });
    let clock = NOW;
    const pastDays = dailyStatsCache(
      () => db.orm.em.fork(),
      () => clock,
    );
    const read = async () =>
      Object.fromEntries(
        (await dailyStats(db.orm.em.fork(), subject.name, 'Asia/Tehran', 30, NOW, pastDays)).stats.map((s) => [
          s.day,
          s.runs,
        ]),
      );
    await insertRun(subject.processId, { startedAt: '2026-03-01T10:00:00Z', seconds: 1 });
    expect(await read()).toEqual({ '2026-03-01': 1 });

    await insertRun(subject.processId, { startedAt: '2026-03-02T10:00:00Z', seconds: 1 });
    await insertRun(subject.processId, { startedAt: '2026-03-10T10:00:00Z', seconds: 1 });
    expect(await read()).toEqual({ '2026-03-01': 1, '2026-03-10': 1 });

    clock += PAST_DAYS_TTL_MS + 1;
    expect(await read()).toEqual({ '2026-03-01': 1, '2026-03-02': 1, '2026-03-10': 1 });
  });
});
