/**
 * Fault 3: the Temporal server restarts. A file-backed dev server (persistent mode, its SQLite file in
 * a temp folder) is stopped and started again on the same file and port while the worker keeps
 * running: the schedules the worker created and a completed run's history survive, the worker
 * reconnects, and the next scheduled run fires and is recorded.
 */
import type { Client, ScheduleDescription } from '@temporalio/client';
import { initORM, type Orm } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { reconcileSchedules } from '../temporal/reconcile';
import { silentLogger } from '../platform/logger';
import { execution, executionsOf, newExecution, RESCHEDULE, seedTasks, type ExecutionRow } from './support/database';
import { FaultStack, localHourMinute, ZONE } from './support/stack';
import { connectClient, finished, runningWorkflows, triggerRun, workflowStatus } from './support/temporal';
import { eventually, report, seconds, sleep } from './support/timing';

const FILE = 'temporal-restarted';
const PROCESSES = ['reschedule_remaining_tasks', 'archive_completed_tasks'];

let stack: FaultStack;

beforeAll(async () => {
  stack = await FaultStack.start(FILE, { batchSize: 1_000, persistentTemporal: true });
}, 300_000);

afterAll(async () => {
  await stack?.close();
}, 120_000);

/** What must survive a restart: everything about a schedule but its clock-driven fields. */
function lasting(d: ScheduleDescription) {
  return {
    spec: d.spec,
    action: d.action,
    policies: d.policies,
    state: d.state,
    memo: d.memo,
    searchAttributes: d.typedSearchAttributes,
  };
}

async function describeSchedules(client: Client) {
  const result: Record<string, { lasting: ReturnType<typeof lasting>; recent: string[]; next: string[] }> = {};
  for (const name of PROCESSES) {
    const d = await client.schedule.getHandle(`${stack.taskQueue}:${name}`).describe();
    result[name] = {
      lasting: lasting(d),
      recent: d.info.recentActions.map((a) => a.action.workflow.workflowId),
      next: d.info.nextActionTimes.map((t) => t.toISOString()),
    };
  }
  return result;
}

async function runToCompletion(): Promise<ExecutionRow> {
  const run = await triggerRun(stack);
  return finished(stack, run.execution_id, 120_000);
}

it('schedules and history survive a restart, the worker reconnects, and the next scheduled run fires', async () => {
  await seedTasks(stack.pool, { overdue: 100, future: 10, completed: 10, cancelled: 10, undated: 10 });
  const before = await runToCompletion();
  expect(before).toMatchObject({ status: 'completed', result: { tasks_rescheduled: 100 } });
  const workflowId = before.workflow_id ?? '';
  const runId = before.workflow_run_id ?? undefined;
  const handle = stack.client.workflow.getHandle(workflowId, runId);
  // The row closes before the workflow does: wait for its end, then read its history.
  const resultBefore: unknown = await handle.result();
  const historyBefore = (await handle.fetchHistory()).events?.length ?? 0;
  const schedulesBefore = await describeSchedules(stack.client);
  expect(schedulesBefore[RESCHEDULE]?.recent).toContain(workflowId);

  const stopAt = Date.now();
  await stack.stopTemporal();
  const stoppedAt = Date.now();
  await sleep(5_000);
  await stack.startTemporalAgain();
  const backAt = Date.now();
  expect(stack.worker?.exited).toBe(false);

  // The stack's client reconnects by itself, but a fresh one proves the state is on the server.
  const fresh = await connectClient(stack.temporal.address);
  try {
    const schedulesAfter = await describeSchedules(fresh);
    for (const name of PROCESSES) {
      expect(schedulesAfter[name]?.lasting).toEqual(schedulesBefore[name]?.lasting);
      expect(schedulesAfter[name]?.recent).toEqual(schedulesBefore[name]?.recent);
      expect(schedulesAfter[name]?.next).toEqual(schedulesBefore[name]?.next);
    }
    const after = fresh.workflow.getHandle(workflowId, runId);
    expect((await after.describe()).status.name).toBe('COMPLETED');
    expect((await after.fetchHistory()).events?.length).toBe(historyBefore);
    expect(await after.result()).toEqual(resultBefore);
  } finally {
    await fresh.connection.close();
  }

  // Move the schedule to the next whole minute at least 40 s away, and reload as `schedules:reload` does.
  await seedTasks(stack.pool, { overdue: 50, future: 5, completed: 5, cancelled: 5, undated: 5 });
  const fireAt = Math.ceil((Date.now() + 40_000) / 60_000) * 60_000;
  const { hour, minute } = localHourMinute(ZONE, fireAt);
  await stack.pool.query(`UPDATE automated_processes SET schedule_config = $1::jsonb WHERE name = $2`, [
    JSON.stringify({ hour, minute, timezone: ZONE }),
    RESCHEDULE,
  ]);
  const orm: Orm = await initORM(stack.postgres.databaseUrl, { poolMax: 2 });
  try {
    const reload = await reconcileSchedules({
      orm,
      client: stack.client,
      registry: PROCESS_REGISTRY,
      settings: { taskQueue: stack.taskQueue, catchupWindowMinutes: 240 },
      logger: silentLogger,
    });
    expect(reload.updated).toEqual([RESCHEDULE]);
  } finally {
    await orm.close();
  }
  const schedule = await stack.client.schedule.getHandle(`${stack.taskQueue}:${RESCHEDULE}`).describe();
  expect(schedule.info.nextActionTimes[0]?.getTime()).toBe(fireAt);

  const known = new Set((await executionsOf(stack.pool, RESCHEDULE)).map((e) => e.execution_id));
  const scheduled = await eventually(
    'the scheduled run opens its row',
    () => newExecution(stack.pool, RESCHEDULE, known),
    { timeoutMs: fireAt - Date.now() + 120_000, intervalMs: 500 },
  );
  const openedAt = Date.now();
  const done = await eventually(
    'the scheduled run completes',
    async () => {
      const row = await execution(stack.pool, scheduled.execution_id);
      return row.status === 'running' ? undefined : row;
    },
    { timeoutMs: 120_000 },
  );
  expect(done).toMatchObject({
    status: 'completed',
    trigger: 'schedule',
    logical_time: new Date(fireAt).toISOString().replace('.000Z', 'Z'),
    result: { tasks_found: 50, tasks_rescheduled: 50 },
  });
  // Started by the schedule: its action's workflow id, suffixed with the scheduled time.
  expect(done.workflow_id).toBe(
    `${schedule.action.workflowId}-${new Date(fireAt).toISOString().replace('.000Z', 'Z')}`,
  );
  expect(await workflowStatus(stack.client, done.workflow_id ?? '', done.workflow_run_id ?? undefined)).toBe(
    'COMPLETED',
  );
  expect(await runningWorkflows(stack.client, stack.taskQueue)).toEqual([]);
  report(
    FILE,
    `Temporal stopped in ${seconds(stoppedAt - stopAt)} s, down 5 s, started again in ` +
      `${seconds(backAt - stoppedAt - 5_000)} s on the same file and port; schedules (spec, action, policies, state, ` +
      `memo, recent and next actions) and the completed run (${historyBefore} history events, result) unchanged; ` +
      `the worker stayed up; the schedule moved to ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')} ` +
      `${ZONE} fired ${seconds(openedAt - fireAt)} s after its time and completed (${done.workflow_id ?? ''})`,
  );
}, 600_000);
