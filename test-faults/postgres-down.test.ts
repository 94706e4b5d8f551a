/**
 * Fault 2: PostgreSQL goes down (fast shutdown, as an operator or a failover would) in the middle
 * of a run of reschedule_remaining_tasks, and comes back on the same data folder and port.
 *
 * - back within seconds: the activity's retries (5 s, 10 s, … backoff) carry the run to completion;
 * - down past the work activity's retry budget (5 attempts, ~75 s of backoff) but back within the
 *   record activities' budget (10 attempts, ~4 min): the workflow fails and the row is closed `failed`;
 * - FAULTS_LONG=1: down past both budgets (~5.5 min): the workflow fails in Temporal with the row
 *   left `running` (nothing can write it), and the next run, once PostgreSQL is back, closes it as failed.
 */
import {
  checkRun,
  count,
  execution,
  movedCount,
  perfectRun,
  seedTasks,
  setReschedulePolicy,
  type ExecutionRow,
} from './support/database';
import { FaultStack, ZONE } from './support/stack';
import {
  activityAttempts,
  finished,
  pendingActivities,
  runningWorkflows,
  triggerRun,
  workflowStatus,
} from './support/temporal';
import { eventually, report, seconds, sleep } from './support/timing';

const FILE = 'postgres-down';
const LONG = process.env.FAULTS_LONG === '1';
const BATCH = 500;
const BIG = { overdue: 100_000, future: 2_000, completed: 2_000, cancelled: 2_000, undated: 500 };
const SMALL = { overdue: 20_000, future: 500, completed: 500, cancelled: 500, undated: 100 };

let stack: FaultStack;

beforeAll(async () => {
  stack = await FaultStack.start(FILE, { batchSize: BATCH });
  // The retry budgets below are the one work activity's: no "auto" split into range activities.
  await setReschedulePolicy(stack.pool, { partitions: 1 });
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

async function waitMoved(run: ExecutionRow, atLeast: number): Promise<number> {
  return eventually(
    `${atLeast} tasks moved`,
    async () => {
      const moved = await movedCount(stack.pool, run.execution_id);
      if (moved >= atLeast) return moved;
      if ((await execution(stack.pool, run.execution_id)).status !== 'running') {
        throw new Error('the run ended before PostgreSQL could be stopped');
      }
      return undefined;
    },
    { timeoutMs: 300_000, intervalMs: 25 },
  );
}

/** Resolves with the workflow's final status name once it is no longer running. */
async function workflowEnd(run: ExecutionRow, timeoutMs: number): Promise<string> {
  return eventually(
    'the workflow ends',
    async () => {
      const status = await workflowStatus(stack.client, run.workflow_id ?? '', run.workflow_run_id ?? undefined);
      return status === 'RUNNING' ? undefined : status;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

it('down for a few seconds mid-run: the activity retries and the run completes with correct counts', async () => {
  await seedTasks(stack.pool, BIG);
  const startedAt = Date.now();
  const run = await triggerRun(stack);
  const atStop = await waitMoved(run, Math.round(0.3 * BIG.overdue));

  const stoppingAt = Date.now();
  await stack.stopPostgres();
  const downAt = Date.now();
  await sleep(5_000);
  await stack.startPostgresAgain();
  const backAt = Date.now();

  const movingAt = await eventually(
    'tasks move again',
    async () => ((await movedCount(stack.pool, run.execution_id)) > atStop ? Date.now() : undefined),
    { timeoutMs: 240_000, intervalMs: 100 },
  );
  const done = await finished(stack, run.execution_id, 300_000);
  const doneAt = Date.now();
  expect(await checkRun(stack.pool, run.execution_id, ZONE)).toEqual(perfectRun(BIG.overdue));
  expect(await workflowStatus(stack.client, run.workflow_id ?? '', run.workflow_run_id ?? undefined)).toBe('COMPLETED');
  const attempts = (await activityAttempts(stack.client, run.workflow_id ?? '', run.workflow_run_id ?? undefined))
    .starts.rescheduleRemainingTasks;
  expect(Math.max(...(attempts ?? [0]))).toBeGreaterThanOrEqual(2);
  expect(await runningWorkflows(stack.client, stack.taskQueue)).toEqual([]);
  report(
    FILE,
    `short outage: stopped at ${atStop} moved (stop took ${seconds(downAt - stoppingAt)} s), down ` +
      `${seconds(backAt - downAt)} s (restart included); tasks moving again ${seconds(movingAt - backAt)} s after ` +
      `PostgreSQL was back; completed ${seconds(doneAt - backAt)} s after, ${seconds(doneAt - startedAt)} s in all; ` +
      `activity attempts ${attempts?.join(',')}; result tasks_found=${String(done.result?.tasks_found)} ` +
      `tasks_rescheduled=${String(done.result?.tasks_rescheduled)}`,
  );
}, 600_000);

it('down past the work activity retry budget: the workflow fails and the row ends failed; the next run finishes the job', async () => {
  await seedTasks(stack.pool, SMALL);
  const run = await triggerRun(stack);
  await waitMoved(run, 1);
  await stack.stopPostgres();
  const downAt = Date.now();
  const moved = await eventually(
    // failExecution is a local activity: no pending entry shows it, but the work activity's goes.
    'the work activity exhausts its retries (it is no longer pending)',
    async () => {
      const pending = await pendingActivities(stack.client, run.workflow_id ?? '', run.workflow_run_id ?? undefined);
      return pending.some((p) => p.type === 'rescheduleRemainingTasks') ? undefined : Date.now();
    },
    { timeoutMs: 300_000, intervalMs: 500 },
  );
  await stack.startPostgresAgain();
  const backAt = Date.now();

  const status = await workflowEnd(run, 300_000);
  const row = await finished(stack, run.execution_id, 60_000);
  const endAt = Date.now();
  expect(status).toBe('FAILED');
  expect(row.status).toBe('failed');
  expect(row.error_message).toMatch(/^rescheduleRemainingTasks: /);
  expect(row.result).toBeNull(); // as Behflow leaves a failed run

  // What the failed run did is consistent: each move it made is audited once and matches the task.
  const check = await checkRun(stack.pool, run.execution_id, ZONE);
  expect(check).toMatchObject({ auditOfOthers: 0, movedTasksNotAsAudited: 0, runningRows: 0 });
  expect(check.auditRows).toBe(check.auditDistinctTasks);
  const movedByFailedRun = check.auditRows;

  // The next run moves exactly the rest.
  const next = await triggerRun(stack);
  const nextDone = await finished(stack, next.execution_id, 300_000);
  expect(nextDone.status).toBe('completed');
  const left = SMALL.overdue - movedByFailedRun;
  expect(nextDone.result).toMatchObject({ tasks_found: left, tasks_rescheduled: left });
  expect(
    await count(
      stack.pool,
      `SELECT count(*) AS n FROM (SELECT task_id FROM automated_process_task_moves
          WHERE execution_id IN ($1, $2) GROUP BY task_id HAVING count(*) > 1) x`,
      [run.execution_id, next.execution_id],
    ),
  ).toBe(0);
  // Its row closes before its workflow's last steps (skipped times, chains): wait for the workflow, then no other runs.
  expect(await workflowEnd(next, 60_000)).toBe('COMPLETED');
  expect(await runningWorkflows(stack.client, stack.taskQueue)).toEqual([]);
  report(
    FILE,
    `outage past the work budget: the work activity gave up ${seconds(moved - downAt)} s after PostgreSQL went ` +
      `down; PostgreSQL back ${seconds(backAt - downAt)} s after; workflow ${status} and row "${row.status}" ` +
      `${seconds(endAt - backAt)} s later ("${row.error_message ?? ''}"); the failed run had moved ` +
      `${movedByFailedRun}, the next run moved the other ${left}`,
  );
}, 900_000);

(LONG ? it : it.skip)(
  'FAULTS_LONG=1: down past every retry budget: the workflow fails, and the next run closes the row as failed',
  async () => {
    await seedTasks(stack.pool, SMALL);
    const run = await triggerRun(stack);
    await waitMoved(run, 1);
    await stack.stopPostgres();
    const downAt = Date.now();
    const status = await workflowEnd(run, 900_000);
    const failedAt = Date.now();
    expect(status).toBe('FAILED');
    await stack.startPostgresAgain();
    const backAt = Date.now();
    // Nothing could write the row while PostgreSQL was down.
    expect((await execution(stack.pool, run.execution_id)).status).toBe('running');

    const next = await triggerRun(stack);
    const nextDone = await finished(stack, next.execution_id, 300_000);
    const closed = await execution(stack.pool, run.execution_id);
    expect(closed.status).toBe('failed');
    expect(closed.error_message).toBe('its workflow failed without closing this row; closed by the next run');
    expect(nextDone.status).toBe('completed');
    const check = await checkRun(stack.pool, next.execution_id, ZONE);
    expect(check).toMatchObject({ tasksNotAsExpected: 0, auditOfOthers: 0, movedTasksNotAsAudited: 0, runningRows: 0 });
    report(
      FILE,
      `outage past every budget: workflow ${status} ${seconds(failedAt - downAt)} s after PostgreSQL went down; ` +
        `the next run (${seconds(Date.now() - backAt)} s after PostgreSQL was back) closed the stale row ` +
        `("${closed.error_message ?? ''}") and moved the remaining ${String(nextDone.result?.tasks_rescheduled)}`,
    );
  },
  1_200_000,
);
