import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  autoPartitions,
  createRescheduleActivities,
  pageOf,
  type RangeProgress,
  type SplitRun,
  type TaskRange,
} from '../../activities/reschedule-remaining-tasks';
import type { RunContext } from '../../activities/run-types';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { arrangeRun, insertTaskSeries } from '../helpers/fixtures';

/** A partitioned run's three steps (plan, one walk per range, finish) on PostgreSQL. */

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

function activities(batchSize: number) {
  return createRescheduleActivities({ orm: db.orm, batchSize });
}

/** Runs `fn` as an activity (heartbeats, cancellation) in `env`. */
function inActivity<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
  args: A,
  env = new MockActivityEnvironment(),
): Promise<R> {
  return env.run(fn, ...args) as Promise<R>;
}

/** 3,000 overdue tasks at assorted local times and 1,000 that are not, interleaved over the table's pages. */
async function seedTable(): Promise<void> {
  await insertTaskSeries(db.orm, {
    from: 'generate_series(1, 4000) i',
    due: `CASE WHEN i % 4 = 0 THEN timestamptz '2025-12-19T06:00:00Z'
               ELSE timestamptz '2025-12-01T00:00:00Z' + make_interval(mins => (i % 2000) * 7) END`,
  });
}

async function movesOf(run: RunContext): Promise<{ n: number; tasks: number }> {
  const [row] = await sql<{ n: string; tasks: string }>(
    db.orm,
    `SELECT count(*) AS n, count(DISTINCT task_id) AS tasks FROM automated_process_task_moves WHERE execution_id = ?`,
    [run.executionId],
  );
  return { n: Number(row?.n), tasks: Number(row?.tasks) };
}

async function stillOverdue(): Promise<number> {
  const [row] = await sql<{ n: string }>(
    db.orm,
    `SELECT count(*) AS n FROM tasks WHERE status = 'pending' AND due_date_gregorian < '2025-12-17T20:30:00Z'`,
  );
  return Number(row?.n);
}

describe('a partitioned reschedule run', () => {
  it('splits the table into disjoint page ranges that together cover it, and moves each overdue task once', async () => {
    await seedTable();
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const work = activities(200);
    const plan = await inActivity(work.planRescheduleRun, [run, 3]);
    const [pages] = await sql<{ n: string }>(
      db.orm,
      `SELECT pg_relation_size('tasks') / current_setting('block_size')::int AS n`,
    );

    expect(plan.tasksFound).toBe(3000);
    expect(plan.ranges).toHaveLength(3);
    expect(plan.ranges[0]!.fromPage).toBe(0);
    expect(plan.ranges.at(-1)!.toPage).toBe(Number(pages?.n));
    plan.ranges.slice(1).forEach((range, i) => expect(range.fromPage).toBe(plan.ranges[i]!.toPage));

    const walked = await Promise.all(
      plan.ranges.map((range) => inActivity(work.rescheduleTaskRange, [run, range, plan.pagesPerBatch])),
    );
    expect(walked.every((w) => w.moved > 0)).toBe(true);
    expect(walked.reduce((sum, w) => sum + w.moved, 0)).toBe(3000);
    const result = await inActivity(work.finishRescheduleRun, [run, plan.tasksFound]);

    expect(result).toMatchObject({ tasks_found: 3000, tasks_rescheduled: 3000, task_details_total: 3000 });
    expect(await movesOf(run)).toEqual({ n: 3000, tasks: 3000 });
    expect(await stillOverdue()).toBe(0);
  });

  it('moves a task at its own local time, the same as one walk does', async () => {
    await seedTable();
    const [oneWalk, partitioned] = [await arrangeRun(db.orm, TEHRAN_RUN), await arrangeRun(db.orm, TEHRAN_RUN)];
    const work = activities(500);
    await inActivity(work.rescheduleRemainingTasks, [oneWalk]);
    const expected = await sql(
      db.orm,
      `SELECT task_id, new_due_gregorian, new_due_jalali FROM automated_process_task_moves WHERE execution_id = ?
        ORDER BY task_id`,
      [oneWalk.executionId],
    );
    // The same tasks set back where they were, then moved again by a run in 4 parts.
    await sql(
      db.orm,
      `UPDATE tasks t SET due_date_gregorian = m.old_due_gregorian, due_date_jalali = m.old_due_jalali
         FROM automated_process_task_moves m WHERE m.task_id = t.task_id AND m.execution_id = ?`,
      [oneWalk.executionId],
    );
    const plan = await inActivity(work.planRescheduleRun, [partitioned, 4]);
    await Promise.all(plan.ranges.map((r) => inActivity(work.rescheduleTaskRange, [partitioned, r, 1])));
    await inActivity(work.finishRescheduleRun, [partitioned, plan.tasksFound]);

    const got = await sql(
      db.orm,
      `SELECT task_id, new_due_gregorian, new_due_jalali FROM automated_process_task_moves WHERE execution_id = ?
        ORDER BY task_id`,
      [partitioned.executionId],
    );
    expect(got).toHaveLength(3000);
    expect(got).toEqual(expected);
  });

  it('resumes a range from its heartbeat after an attempt dies, without moving a task twice or losing one', async () => {
    await seedTable();
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const work = activities(100);
    const plan = await inActivity(work.planRescheduleRun, [run, 2]);
    const range: TaskRange = plan.ranges[1]!;
    const dying = new MockActivityEnvironment();
    let last: RangeProgress | undefined;
    dying.on('heartbeat', (details: RangeProgress) => {
      last = details;
      if (details.moved >= 300) dying.cancel();
    });
    await expect(inActivity(work.rescheduleTaskRange, [run, range, 1], dying)).rejects.toBeInstanceOf(CancelledFailure);
    expect(last?.moved).toBeGreaterThanOrEqual(300);
    expect(pageOf(last!.walk.after)).toBeGreaterThanOrEqual(range.fromPage);

    const resumed = new MockActivityEnvironment({ heartbeatDetails: last, attempt: 2 });
    const second = await inActivity(work.rescheduleTaskRange, [run, range, 1], resumed);
    const first = await inActivity(work.rescheduleTaskRange, [run, plan.ranges[0]!, 1]);
    const result = await inActivity(work.finishRescheduleRun, [run, plan.tasksFound]);

    // The resumed attempt carries on the count of the dead one: the range's total is its tasks, once.
    expect(second.moved + first.moved).toBe(3000);
    expect(result).toMatchObject({ tasks_found: 3000, tasks_rescheduled: 3000 });
    expect(await movesOf(run)).toEqual({ n: 3000, tasks: 3000 });
  });

  it('leaves out empty ranges of a table smaller than its partitions, and its finish sweeps what a walk missed', async () => {
    await insertTaskSeries(db.orm, { from: 'generate_series(1, 10) i', due: "'2025-12-01T05:00:00Z'" });
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const work = activities(1000);
    const plan = await inActivity(work.planRescheduleRun, [run, 8]);
    expect(plan.ranges).toEqual([{ index: 0, fromPage: 0, toPage: 1 }]);
    // A task a user set overdue after the plan, on a page past the walk's end, is the finish's.
    await inActivity(work.rescheduleTaskRange, [run, plan.ranges[0]!, plan.pagesPerBatch]);
    await insertTaskSeries(db.orm, { from: 'generate_series(1, 400) i', due: "'2025-12-02T05:00:00Z'" });
    const result = await inActivity(work.finishRescheduleRun, [run, plan.tasksFound]);
    expect(result).toMatchObject({ tasks_found: 10, tasks_rescheduled: 410 });
    expect(await stillOverdue()).toBe(0);
  });

  it('plans no range when the config moves nothing (update_to_today false): the run only counts', async () => {
    await seedTable();
    const run = await arrangeRun(db.orm, { ...TEHRAN_RUN, config: { update_to_today: false } });
    const work = activities(1000);
    const plan = await inActivity(work.planRescheduleRun, [run, 4]);
    expect(plan).toMatchObject({ tasksFound: 3000, ranges: [] });
    const result = await inActivity(work.finishRescheduleRun, [run, plan.tasksFound]);
    expect(result).toMatchObject({ tasks_found: 3000, tasks_rescheduled: 0 });
    expect(await stillOverdue()).toBe(3000);
  });

  it('"auto": the work activity answers with a plan, moving nothing, once the count is worth two walks', async () => {
    await seedTable();
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    // 3,000 overdue in batches of 300: 10 batches, two parts of 5.
    const outcome = await inActivity(activities(300).rescheduleRemainingTasks, [run, { auto: true }]);
    expect(outcome).toMatchObject({ split: { tasksFound: 3000 } });
    expect((outcome as SplitRun).split.ranges).toHaveLength(2);
    expect(await stillOverdue()).toBe(3000);
    expect(await movesOf(run)).toEqual({ n: 0, tasks: 0 });

    // Three batches of 1,000, fewer than two parts need: the activity walks the table itself.
    const small = await arrangeRun(db.orm, TEHRAN_RUN);
    const walked = await inActivity(activities(1000).rescheduleRemainingTasks, [small, { auto: true }]);
    expect(walked).toMatchObject({ tasks_found: 3000, tasks_rescheduled: 3000 });
  });

  it('"auto" does not split a retry of an attempt that has moved tasks: it finishes its one walk', async () => {
    await seedTable();
    const run = await arrangeRun(db.orm, TEHRAN_RUN);
    const env = new MockActivityEnvironment();
    let batches = 0;
    env.on('heartbeat', () => {
      if (++batches === 3) env.cancel();
    });
    await expect(inActivity(activities(50).rescheduleRemainingTasks, [run], env)).rejects.toBeInstanceOf(
      CancelledFailure,
    );
    const moved = (await movesOf(run)).n;
    expect(moved).toBeGreaterThan(0);
    const retried = await inActivity(activities(50).rescheduleRemainingTasks, [run, { auto: true }]);
    expect(retried).toMatchObject({ tasks_found: 3000, tasks_rescheduled: 3000 });
    expect(await movesOf(run)).toEqual({ n: 3000, tasks: 3000 });
  });
});

describe('autoPartitions', () => {
  it.each([
    [0, 1000, 1],
    [9_999, 1000, 1],
    [10_000, 1000, 2],
    [19_999, 1000, 3],
    [20_000, 1000, 4],
    [10_000_000, 1000, 4],
    [2_500, 200, 2],
  ])('%i overdue in batches of %i: %i part(s)', (overdue, batchSize, parts) => {
    expect(autoPartitions(overdue, batchSize)).toBe(parts);
  });
});
