import { MockActivityEnvironment } from '@temporalio/testing';
import { Client } from 'pg';
import { initORM } from '../../db/orm';
import { CancelledFailure } from '@temporalio/activity';
import {
  createRescheduleActivities,
  MAX_PAGES_PER_BATCH,
  nextPagesPerBatch,
  pageOf,
  type RescheduleProgress,
} from '../../activities/reschedule-remaining-tasks';
import type { ProcessResult, RunContext } from '../../activities/run-types';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import {
  arrangeRun,
  columnType,
  dueOf,
  insertTask,
  insertTaskSeries,
  isoSql,
  USER_A,
  USER_B,
} from '../helpers/fixtures';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
beforeEach(async () => {
  await sql(db.orm, 'TRUNCATE tasks');
});

const TEHRAN_RUN = { timezone: 'Asia/Tehran', day: '2025-12-18', logicalTime: '2025-12-18T04:00:00.000Z' };

function activities(batchSize = 1000) {
  return createRescheduleActivities({ orm: db.orm, batchSize });
}

async function runActivity(
  run: RunContext,
  batchSize = 1000,
  env = new MockActivityEnvironment(),
): Promise<ProcessResult> {
  return env.run(activities(batchSize).rescheduleOverdueTasks, run);
}

describe('rescheduleOverdueTasks', () => {
  it('moves pending and in-progress tasks due before the day to the day, at their local time in the zone', async () => {
    const pending = await insertTask(db.orm, { due: '2025-12-15T05:45:00Z', status: 'pending' }); // 09:15 Tehran
    const inProgress = await insertTask(db.orm, { due: '2025-12-17T20:29:00Z', status: 'in_progress' }); // 23:59
    const run = await arrangeRun(db.orm, TEHRAN_RUN);

    const result = await runActivity(run);

    expect((await dueOf(db.orm, pending)).due).toBe('2025-12-18T05:45:00.000Z');
    expect((await dueOf(db.orm, inProgress)).due).toBe('2025-12-18T20:29:00.000Z');
    expect(result).toMatchObject({ success: true, tasks_found: 2, tasks_rescheduled: 2 });
    expect(result.execution_time).toBe('2025-12-18T07:30:00+03:30');
  });

  it('never touches completed, cancelled, undated or not-yet-overdue tasks', async () => {
    const untouched = [
      await insertTask(db.orm, { due: '2025-12-10T05:00:00Z', status: 'completed' }),
      await insertTask(db.orm, { due: '2025-12-10T05:00:00Z', status: 'cancelled' }),
      await insertTask(db.orm, { due: null }),
      // 00:00 Tehran on the run day is the first instant that is not overdue.
      await insertTask(db.orm, { due: '2025-12-17T20:30:00Z' }),
      await insertTask(db.orm, { due: '2025-12-20T05:00:00Z' }),
    ];
    const before = await Promise.all(untouched.map((id) => dueOf(db.orm, id)));
    const lastOverdueInstant = await insertTask(db.orm, { due: '2025-12-17T20:29:59Z' });

    const result = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN));

    expect(await Promise.all(untouched.map((id) => dueOf(db.orm, id)))).toEqual(before);
    expect((await dueOf(db.orm, lastOverdueInstant)).due).toBe('2025-12-18T20:29:59.000Z');
    expect(result).toMatchObject({ tasks_found: 1, tasks_rescheduled: 1 });
  });

  it('keeps the wall time in the process zone whatever the database session zone is', async () => {
    await sql(db.orm, `ALTER DATABASE ${db.name} SET timezone TO 'America/Los_Angeles'`);
    const losAngelesSession = await initORM(db.url, { poolMax: 2 });
    try {
      const [session] = await sql<{ TimeZone: string }>(losAngelesSession, 'SHOW timezone');
      expect(session).toEqual({ TimeZone: 'America/Los_Angeles' });
      const task = await insertTask(db.orm, { due: '2025-12-16T05:45:00Z' });
      const run = await arrangeRun(db.orm, TEHRAN_RUN);
      await new MockActivityEnvironment().run(
        createRescheduleActivities({ orm: losAngelesSession, batchSize: 10 }).rescheduleOverdueTasks,
        run,
      );
      expect(await dueOf(db.orm, task)).toEqual({ due: '2025-12-18T05:45:00.000Z', jalali: '1404-09-27T09:15:00' });
    } finally {
      await losAngelesSession.close();
      await sql(db.orm, `ALTER DATABASE ${db.name} RESET timezone`);
    }
  });

  it('writes the Jalali due date of the new instant in the zone, as Behflow formats it', async () => {
    const task = await insertTask(db.orm, { due: '2025-03-18T06:00:00Z', dueJalali: '1403-12-28T09:30:00' });
    const run = await arrangeRun(db.orm, {
      timezone: 'Asia/Tehran',
      day: '2025-03-21',
      logicalTime: '2025-03-21T04:00:00Z',
    });
    await runActivity(run);
    expect(await dueOf(db.orm, task)).toEqual({
      due: '2025-03-21T06:00:00.000Z',
      jalali: '1404-01-01T09:30:00',
    });
  });

  it('records one audit row per moved task with both calendars before and after', async () => {
    const task = await insertTask(db.orm, { due: '2025-12-15T05:45:00Z', dueJalali: '1404-09-24T09:15:00' });
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    await runActivity(run);
    const audit = await sql(
      db.orm,
      `SELECT task_id, ${isoSql('old_due_gregorian')} AS old_due_gregorian, ${isoSql('new_due_gregorian')} AS new_due_gregorian,
              old_due_jalali, new_due_jalali
         FROM automated_process_task_moves WHERE execution_id = ?`,
      [run.executionId],
    );
    expect(audit).toEqual([
      expect.objectContaining({
        task_id: task,
        old_due_gregorian: '2025-12-15T05:45:00.000Z',
        new_due_gregorian: '2025-12-18T05:45:00.000Z',
        old_due_jalali: '1404-09-24T09:15:00',
        new_due_jalali: '1404-09-27T09:15:00',
      }),
    ]);
    const [moved] = await sql<{ fresh: boolean }>(
      db.orm,
      "SELECT updated_at > now() - interval '1 minute' AS fresh FROM tasks WHERE task_id = ?",
      [task],
    );
    expect(moved).toEqual({ fresh: true });
  });

  it('honours include_statuses and user_ids from the process config', async () => {
    const aPending = await insertTask(db.orm, { due: '2025-12-10T05:00:00Z', userId: USER_A, status: 'pending' });
    const aInProgress = await insertTask(db.orm, {
      due: '2025-12-10T05:00:00Z',
      userId: USER_A,
      status: 'in_progress',
    });
    const bPending = await insertTask(db.orm, { due: '2025-12-10T05:00:00Z', userId: USER_B, status: 'pending' });
    const run = await arrangeRun(db.orm, {
      ...TEHRAN_RUN,
      config: { include_statuses: ['pending'], user_ids: [USER_A] },
    });

    const result = await runActivity(run);

    expect(result).toMatchObject({ tasks_found: 1, tasks_rescheduled: 1 });
    expect((await dueOf(db.orm, aPending)).due).toBe('2025-12-18T05:00:00.000Z');
    expect((await dueOf(db.orm, aInProgress)).due).toBe('2025-12-10T05:00:00.000Z');
    expect((await dueOf(db.orm, bPending)).due).toBe('2025-12-10T05:00:00.000Z');
  });

  it('rejects a bad config without retrying, naming the field', async () => {
    const run = await arrangeRun(db.orm, { ...TEHRAN_RUN, config: { include_statuses: ['completed'] } });
    await expect(runActivity(run)).rejects.toMatchObject({
      type: 'InvalidProcessConfig',
      nonRetryable: true,
      message: expect.stringContaining('process_config.include_statuses'),
    });
  });

  it('finds nothing to do on a second run the same day', async () => {
    await insertTask(db.orm, { due: '2025-12-10T05:00:00Z' });
    await runActivity(await arrangeRun(db.orm, TEHRAN_RUN));
    const second = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN));
    expect(second).toMatchObject({ tasks_found: 0, tasks_rescheduled: 0, task_details: [] });
  });

  it('works in batches, heartbeating progress after each', async () => {
    for (let i = 0; i < 7; i++) await insertTask(db.orm, { due: `2025-12-1${i}T05:00:00Z` });
    const env = new MockActivityEnvironment();
    const beats: RescheduleProgress[] = [];
    env.on('heartbeat', (details: RescheduleProgress) => beats.push(details));

    const result = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN), 3, env);

    expect(result).toMatchObject({ tasks_found: 7, tasks_rescheduled: 7 });
    expect(beats.map((b) => b.tasksRescheduled)).toEqual([0, 3, 6, 7]);
  });

  it("lists each moved task in task_details as Behflow does, with our Jalali dates beside Behflow's fields", async () => {
    const task = await insertTask(db.orm, {
      due: '2025-12-15T05:45:00Z',
      dueJalali: '1404-09-24T09:15:00',
      userId: USER_B,
      name: 'Pay rent',
    });
    const result = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN));
    expect(result.task_details).toEqual([
      {
        task_id: task,
        task_name: 'Pay rent',
        user_id: USER_B,
        old_due_date: '2025-12-15T09:15:00+03:30',
        new_due_date: '2025-12-18T09:15:00+03:30',
        old_due_jalali: '1404-09-24T09:15:00',
        new_due_jalali: '1404-09-27T09:15:00',
      },
    ]);
  });

  it("caps task_details at Behflow's 100, with the full count and a flag", async () => {
    await insertTaskSeries(db.orm, { from: 'generate_series(1, 105) i', due: "'2025-12-01T05:00:00Z'" });
    const result = await runActivity(await arrangeRun(db.orm, TEHRAN_RUN), 50);
    expect(result.task_details).toHaveLength(100);
    expect(result).toMatchObject({ tasks_rescheduled: 105, task_details_total: 105, task_details_truncated: true });
  });

  it('stops when cancelled and resumes from its heartbeat without moving a task twice or losing count', async () => {
    for (let i = 0; i < 6; i++) await insertTask(db.orm, { due: `2025-12-0${i + 1}T05:00:00Z` });
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const first = new MockActivityEnvironment();
    let last: RescheduleProgress | undefined;
    first.on('heartbeat', (details: RescheduleProgress) => {
      last = details;
      if (details.tasksRescheduled >= 2) first.cancel();
    });
    await expect(runActivity(run, 2, first)).rejects.toBeInstanceOf(CancelledFailure);
    expect(last).toMatchObject({ tasksFound: 6, tasksRescheduled: 2 });

    // A task due in the past appears after the first attempt: the resumed attempt keeps the original count.
    const resumed = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 });
    const result = await runActivity(run, 2, resumed);

    expect(result).toMatchObject({ tasks_found: 6, tasks_rescheduled: 6 });
    const [audit] = await sql<{ n: string; distinct_tasks: string }>(
      db.orm,
      'SELECT count(*) AS n, count(DISTINCT task_id) AS distinct_tasks FROM automated_process_task_moves WHERE execution_id = ?',
      [run.executionId],
    );
    expect(audit).toEqual({ n: '6', distinct_tasks: '6' });
  });

  it('moves and audits a task again when a user sets it back overdue before a retried attempt, both counted', async () => {
    const task = await insertTask(db.orm, { due: '2025-12-15T05:45:00Z' });
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    await expect(runActivity(run)).resolves.toMatchObject({ tasks_rescheduled: 1 });
    // The user puts it back in the past; the attempt that moved it died before Temporal heard of it.
    await sql(db.orm, `UPDATE tasks SET due_date_gregorian = '2025-12-16T06:00:00Z' WHERE task_id = ?`, [task]);

    const retried = await runActivity(run, 1000, new MockActivityEnvironment({ attempt: 2 }));

    expect((await dueOf(db.orm, task)).due).toBe('2025-12-18T06:00:00.000Z');
    expect(retried).toMatchObject({ tasks_rescheduled: 2, task_details_total: 2 });
    const audit = await sql(
      db.orm,
      `SELECT ${isoSql('old_due_gregorian')} AS old_due, ${isoSql('new_due_gregorian')} AS new_due
         FROM automated_process_task_moves WHERE execution_id = ? ORDER BY id`,
      [run.executionId],
    );
    expect(audit).toEqual([
      { old_due: '2025-12-15T05:45:00.000Z', new_due: '2025-12-18T05:45:00.000Z' },
      { old_due: '2025-12-16T06:00:00.000Z', new_due: '2025-12-18T06:00:00.000Z' },
    ]);
    // A third attempt finds nothing left to move and adds nothing.
    const third = await runActivity(run, 1000, new MockActivityEnvironment({ attempt: 3 }));
    expect(third).toMatchObject({ tasks_rescheduled: 2 });
  });

  it('walks a table of many pages in page order, each overdue task moved once, each batch near its size', async () => {
    await insertTaskSeries(db.orm, {
      from: 'generate_series(1, 3000) i',
      due: `CASE WHEN i % 3 = 0 THEN '2025-12-25T05:00:00Z' ELSE '2025-12-01T05:00:00Z' END::timestamptz
              - make_interval(mins => i)`,
      status: `(CASE WHEN i % 5 = 0 THEN 'completed' ELSE 'pending' END)::${await columnType(db.orm, 'tasks', 'status')}`,
    });
    const [expected] = await sql<{ n: string; pages: string }>(
      db.orm,
      `SELECT count(*) FILTER (WHERE status = 'pending' AND due_date_gregorian < '2025-12-17T20:30:00Z') AS n,
              count(DISTINCT (ctid::text::point)[0]) AS pages FROM tasks`,
    );
    expect(Number(expected?.pages)).toBeGreaterThan(20);
    const env = new MockActivityEnvironment();
    const beats: RescheduleProgress[] = [];
    env.on('heartbeat', (details: RescheduleProgress) => beats.push(details));

    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const result = await runActivity(run, 100, env);

    expect(result).toMatchObject({ tasks_found: Number(expected?.n), tasks_rescheduled: Number(expected?.n) });
    const walked = beats.flatMap((b) => (b.walk ? [b.walk.after] : [])).map(pageOf);
    expect(walked).toEqual([...walked].sort((a, b) => a - b));
    // 1,600 tasks in batches of at most 100: the window adapts, so few batches are much smaller.
    expect(beats.at(-1)?.batches).toBeGreaterThanOrEqual(16);
    expect(beats.at(-1)?.batches).toBeLessThanOrEqual(24);
    const [audit] = await sql<{ n: string; distinct_tasks: string; left: string }>(
      db.orm,
      `SELECT count(*) AS n, count(DISTINCT task_id) AS distinct_tasks,
              (SELECT count(*) FROM tasks WHERE status = 'pending' AND due_date_gregorian < '2025-12-17T20:30:00Z') AS left
         FROM automated_process_task_moves WHERE execution_id = ?`,
      [run.executionId],
    );
    expect(audit).toEqual({ n: expected?.n, distinct_tasks: expected?.n, left: '0' });
  });

  it('moves a task a user edited during the run onto a page past the walk (the catch-up pass)', async () => {
    await insertTaskSeries(db.orm, { from: 'generate_series(1, 300) i', due: "'2025-12-01T05:00:00Z'" });
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const first = new MockActivityEnvironment();
    let last: RescheduleProgress | undefined;
    first.on('heartbeat', (details: RescheduleProgress) => {
      last = details;
      if (details.tasksRescheduled > 0) first.cancel();
    });
    await expect(runActivity(run, 50, first)).rejects.toBeInstanceOf(CancelledFailure);
    const endPage = last?.walk?.endPage ?? 0;

    // The user edits the table's last overdue task after more rows were added: its new version lands
    // on a page the walk will never reach.
    await insertTaskSeries(db.orm, {
      from: 'generate_series(1, 100) i',
      name: "'later ' || i",
      due: "'2025-12-30T05:00:00Z'",
    });
    const [edited] = await sql<{ task_id: string; page: number }>(
      db.orm,
      `UPDATE tasks SET name = name || ' (edited)'
        WHERE task_id = (SELECT task_id FROM tasks WHERE name LIKE 'bulk %' AND due_date_gregorian < '2025-12-02'
                           ORDER BY ctid DESC LIMIT 1)
       RETURNING task_id, (ctid::text::point)[0] AS page`,
    );
    expect(edited?.page).toBeGreaterThanOrEqual(endPage);

    const resumed = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 });
    const result = await runActivity(run, 50, resumed);

    expect(result).toMatchObject({ tasks_found: 300, tasks_rescheduled: 300 });
    expect((await dueOf(db.orm, edited?.task_id ?? '')).due).toBe('2025-12-18T05:00:00.000Z');
  });

  it('does not move a task that a user completes while the run waits for it', async () => {
    const other = await insertTask(db.orm, { due: '2025-12-01T05:00:00Z' });
    const completedMidRun = await insertTask(db.orm, { due: '2025-12-02T05:00:00Z' });
    const user = new Client({ connectionString: db.url });
    await user.connect();
    try {
      await user.query('BEGIN');
      await user.query('SELECT 1 FROM tasks WHERE task_id = $1 FOR UPDATE', [completedMidRun]);
      const running = runActivity(await arrangeRun(db.orm, TEHRAN_RUN));
      await waitForLockWaiter(user);
      await user.query("UPDATE tasks SET status = 'completed' WHERE task_id = $1", [completedMidRun]);
      await user.query('COMMIT');
      const result = await running;

      expect(result).toMatchObject({ tasks_rescheduled: 1 });
      expect((await dueOf(db.orm, other)).due).toBe('2025-12-18T05:00:00.000Z');
      expect((await dueOf(db.orm, completedMidRun)).due).toBe('2025-12-02T05:00:00.000Z');
    } finally {
      await user.end();
    }
  });
});

/** Resolves once another session waits on a row lock this client holds. */
async function waitForLockWaiter(holder: Client): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await holder.query(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
    );
    if ((rows[0] as { n: number }).n > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('the run never waited for the locked task');
}

describe('the page window of a batch', () => {
  it('reads the page of a ctid, and refuses anything else', () => {
    expect(pageOf('(0,0)')).toBe(0);
    expect(pageOf('(40809,17)')).toBe(40809);
    expect(() => pageOf('(1,2); DROP TABLE tasks')).toThrow('not a ctid');
  });

  it('steers towards the batch size by at most 8x a step, and never below one page', () => {
    expect(nextPagesPerBatch(10, 100, 100)).toBe(10);
    expect(nextPagesPerBatch(10, 50, 100)).toBe(20);
    expect(nextPagesPerBatch(10, 1, 100)).toBe(80);
    expect(nextPagesPerBatch(10, 0, 100)).toBe(80);
    expect(nextPagesPerBatch(80, 10_000, 100)).toBe(10);
    expect(nextPagesPerBatch(1, 10_000, 100)).toBe(1);
  });

  it('never grows past MAX_PAGES_PER_BATCH, however sparse the overdue tasks', () => {
    expect(nextPagesPerBatch(MAX_PAGES_PER_BATCH / 2, 0, 1000)).toBe(MAX_PAGES_PER_BATCH);
    expect(nextPagesPerBatch(MAX_PAGES_PER_BATCH, 1, 1000)).toBe(MAX_PAGES_PER_BATCH);
  });
});
