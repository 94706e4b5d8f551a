/**
 * Fault 1: the worker is killed (kill -9, its whole process group) in the middle of a run of
 * reschedule_remaining_tasks over 200k overdue tasks, and restarted at once. Temporal retries the
 * activity once its heartbeat times out (1 minute); the run must complete with every overdue task
 * moved exactly once and counts that agree.
 */
import {
  checkRun,
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

const OVERDUE = 200_000;
const SEED = { overdue: OVERDUE, future: 5_000, completed: 5_000, cancelled: 5_000, undated: 1_000 };
const BATCH = 1_000;
const FILE = 'worker-killed';

let stack: FaultStack;

beforeAll(async () => {
  stack = await FaultStack.start(FILE, { batchSize: BATCH });
  // One walk, whose attempts are counted below; partitioned-worker-killed kills a worker in a split run.
  await setReschedulePolicy(stack.pool, { partitions: 1 });
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

async function expectCleanFinish(run: ExecutionRow): Promise<number[]> {
  expect(await checkRun(stack.pool, run.execution_id, ZONE)).toEqual(perfectRun(OVERDUE));
  const workflowId = run.workflow_id ?? '';
  expect(await workflowStatus(stack.client, workflowId, run.workflow_run_id ?? undefined)).toBe('COMPLETED');
  expect(await runningWorkflows(stack.client, stack.taskQueue)).toEqual([]);
  return (
    (await activityAttempts(stack.client, workflowId, run.workflow_run_id ?? undefined)).starts
      .rescheduleRemainingTasks ?? []
  );
}

/** One run per plan, killed once per fraction of the tasks moved; FAULTS_LONG=1 adds one run per single kill. */
const LONG = process.env.FAULTS_LONG === '1';
const KILL_PLANS: number[][] = [[0.1, 0.5, 0.9], ...(LONG ? [[0.1], [0.5], [0.9]] : [])];

(LONG ? it : it.skip)(
  'baseline (FAULTS_LONG=1): without a fault, a run moves all 200k overdue tasks once',
  async () => {
    const seeded = Date.now();
    await seedTasks(stack.pool, SEED);
    const started = Date.now();
    const run = await triggerRun(stack);
    await finished(stack, run.execution_id, 300_000);
    const attempts = await expectCleanFinish(run);
    expect(attempts).toEqual([1]);
    report(
      FILE,
      `baseline: seeded ${Object.values(SEED).reduce((a, b) => a + b)} tasks in ${seconds(started - seeded)} s; ` +
        `the run took ${seconds(Date.now() - started)} s (batch ${BATCH})`,
    );
  },
  420_000,
);

it.each(KILL_PLANS.map((plan) => [plan.map((f) => `${f * 100}%`).join(', '), plan] as const))(
  'kill -9 of the worker after %s of the tasks moved, restarted each time: the run completes, every overdue task moved exactly once',
  async (_label, plan) => {
    const seedStarted = Date.now();
    await seedTasks(stack.pool, SEED);
    const startedAt = Date.now();
    const run = await triggerRun(stack);
    const workflowId = run.workflow_id ?? '';
    const runId = run.workflow_run_id ?? undefined;
    const lines: string[] = [`seeded in ${seconds(startedAt - seedStarted)} s`];

    for (const fraction of plan) {
      const target = Math.round(fraction * OVERDUE);
      const reachedAt = Date.now();
      const reached = await eventually(
        `${target} tasks moved`,
        async () => {
          const moved = await movedCount(stack.pool, run.execution_id);
          if (moved >= target) return moved;
          const row = await execution(stack.pool, run.execution_id);
          if (row.status !== 'running') throw new Error(`the run ended (${row.status}) before ${target} tasks moved`);
          return undefined;
        },
        { timeoutMs: 300_000, intervalMs: 25 },
      );

      const killedAt = Date.now();
      await stack.killWorker();
      // Temporal still sees the killed attempt as started until its heartbeat times out.
      const attemptKilled =
        (await pendingActivities(stack.client, workflowId, runId)).find((p) => p.type === 'rescheduleRemainingTasks')
          ?.attempt ?? 0;
      // A batch the server had already received still commits; count once it has.
      await sleep(1_000);
      const movedAtKill = await movedCount(stack.pool, run.execution_id);
      expect(movedAtKill).toBeLessThan(OVERDUE);
      expect((await execution(stack.pool, run.execution_id)).status).toBe('running');

      const worker = await stack.startWorker();
      const retried = await eventually(
        'Temporal retries the activity on the new worker',
        async () => {
          const work = (await pendingActivities(stack.client, workflowId, runId)).find(
            (p) => p.type === 'rescheduleRemainingTasks',
          );
          if (work && work.attempt > attemptKilled && work.state.endsWith('STARTED')) return { at: Date.now(), work };
          if ((await movedCount(stack.pool, run.execution_id)) > movedAtKill) return { at: Date.now(), work };
          return undefined;
        },
        { timeoutMs: 240_000, intervalMs: 250 },
      );
      const resumedAt = await eventually(
        'the retried activity moves tasks again',
        async () => {
          if ((await movedCount(stack.pool, run.execution_id)) > movedAtKill) return Date.now();
          const row = await execution(stack.pool, run.execution_id);
          return row.status === 'running' ? undefined : Date.now();
        },
        { timeoutMs: 240_000, intervalMs: 100 },
      );
      lines.push(
        `kill at ${reached} moved (${Math.round((100 * reached) / OVERDUE)}%, ${movedAtKill} once settled, ` +
          `${seconds(killedAt - reachedAt)} s after the previous step): worker restarted in ${seconds(worker.startupMs)} s; ` +
          `Temporal retried the activity ${seconds(retried.at - killedAt)} s after the kill ` +
          `(attempt ${retried.work?.attempt ?? '?'}, last failure "${retried.work?.lastFailure ?? ''}"); ` +
          `tasks moving again ${seconds(resumedAt - killedAt)} s after the kill`,
      );
    }

    const lastKillAt = Date.now();
    const done = await finished(stack, run.execution_id, 300_000);
    const doneAt = Date.now();
    const attempts = await expectCleanFinish(done);
    expect(Math.max(...attempts)).toBe(plan.length + 1);
    lines.push(
      `completed ${seconds(doneAt - lastKillAt)} s after the last recovery, ${seconds(doneAt - startedAt)} s after ` +
        `the trigger; activity attempts: ${Math.max(...attempts)}; result ${JSON.stringify({
          tasks_found: done.result?.tasks_found,
          tasks_rescheduled: done.result?.tasks_rescheduled,
        })}`,
    );
    report(FILE, `plan [${plan.join(', ')}]:\n  ${lines.join('\n  ')}`);
  },
  900_000,
);
