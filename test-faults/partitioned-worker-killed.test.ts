/**
 * Issue 14, item 1: a partitioned run (policy.partitions 4) of reschedule_remaining_tasks over 1M
 * overdue tasks, on two workers; one of them is killed (kill -9, its process group) while it walks
 * ranges, and not restarted. Temporal retries its ranges on the other worker once their heartbeats
 * time out (10 s here); the run must complete with every overdue task moved exactly once and counts
 * that agree. About 2 minutes; in .ci/run's report-only tier.
 */
import { execFileSync } from 'node:child_process';
import { checkRun, execution, movedCount, perfectRun, seedTasks, setReschedulePolicy } from './support/database';
import { FaultStack, ZONE } from './support/stack';
import {
  activityAttempts,
  finished,
  pendingActivities,
  runningWorkflows,
  triggerRun,
  workflowStatus,
} from './support/temporal';
import { eventually, report, seconds } from './support/timing';

const OVERDUE = 1_000_000;
const SEED = { overdue: OVERDUE, future: 10_000, completed: 10_000, cancelled: 10_000, undated: 1_000 };
const FILE = 'partitioned-worker-killed';
const POLICY = { partitions: 4, timeouts: { heartbeat_seconds: 10 } };

let stack: FaultStack;

beforeAll(async () => {
  stack = await FaultStack.start(FILE, { batchSize: 1_000 });
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

/** The pids in a worker's process group: tsx runs the worker's script in a child process. */
function pidsOf(groupLeader: number): Set<string> {
  try {
    return new Set(
      execFileSync('pgrep', ['-g', String(groupLeader)], { encoding: 'utf8' })
        .split(/\s+/)
        .filter(Boolean),
    );
  } catch {
    return new Set();
  }
}

it('kill -9 of one of two workers walking a 4-partition 1M run: the other finishes it, every overdue task moved exactly once', async () => {
  const seedStarted = Date.now();
  await seedTasks(stack.pool, SEED);
  await setReschedulePolicy(stack.pool, POLICY);
  const [first, second] = [stack.worker!, await stack.startWorker({ beside: true })];
  const startedAt = Date.now();
  const run = await triggerRun(stack);
  const [workflowId, runId] = [run.workflow_id ?? '', run.workflow_run_id ?? undefined];

  // Once a quarter has moved, kill whichever worker walks ranges (both usually do).
  await eventually(
    'a quarter of the tasks moved',
    async () => ((await movedCount(stack.pool, run.execution_id)) >= OVERDUE / 4 ? true : undefined),
    { timeoutMs: 300_000, intervalMs: 50 },
  );
  const ranges = (await pendingActivities(stack.client, workflowId, runId)).filter(
    (a) => a.type === 'rescheduleTaskRange' && a.state.endsWith('STARTED'),
  );
  const walking = (worker: typeof first) => {
    const pids = pidsOf(worker.pid);
    return ranges.filter((r) => pids.has(r.workerIdentity?.split('@')[0] ?? ''));
  };
  const victim = walking(first).length > 0 ? first : second;
  const victimRanges = walking(victim).length;
  expect(victimRanges).toBeGreaterThan(0);
  const killedAt = Date.now();
  await stack.killWorker(victim);
  const movedAtKill = await movedCount(stack.pool, run.execution_id);
  expect(movedAtKill).toBeLessThan(OVERDUE);
  expect((await execution(stack.pool, run.execution_id)).status).toBe('running');

  const done = await finished(stack, run.execution_id, 600_000);
  const doneAt = Date.now();
  expect(await checkRun(stack.pool, run.execution_id, ZONE)).toEqual(perfectRun(OVERDUE));
  expect(await workflowStatus(stack.client, workflowId, runId)).toBe('COMPLETED');
  expect(await runningWorkflows(stack.client, stack.taskQueue)).toEqual([]);
  const attempts = (await activityAttempts(stack.client, workflowId, runId)).starts;
  expect(attempts.rescheduleTaskRange).toHaveLength(4);
  // The killed worker's ranges ran again, as a second attempt, on the other one.
  expect(attempts.rescheduleTaskRange?.filter((a) => a >= 2).length).toBeGreaterThanOrEqual(victimRanges);
  report(
    FILE,
    `seeded ${Object.values(SEED).reduce((a, b) => a + b)} tasks in ${seconds(startedAt - seedStarted)} s; ` +
      `killed the worker walking ${victimRanges} of 4 ranges at ${movedAtKill} moved, ` +
      `${seconds(killedAt - startedAt)} s after the trigger; the run completed ${seconds(doneAt - killedAt)} s later ` +
      `(${seconds(doneAt - startedAt)} s in all); range attempts ${JSON.stringify(attempts.rescheduleTaskRange)}; ` +
      `result ${JSON.stringify({ tasks_found: done.result?.tasks_found, tasks_rescheduled: done.result?.tasks_rescheduled })}`,
  );
}, 1_200_000);
