import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { ScheduleOverlapPolicy, WorkflowFailedError } from '@temporalio/client';
import type { RunContext } from '../../activities/run-types';
import { loadConfig } from '../../config';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { scheduleIdFor } from '../../temporal/ids';
import { ensureProcessRows } from '../../processes/process-rows';
import { reconcileSchedules } from '../../temporal/reconcile';
import { formatLocalDate, localDateAt, startOfDay } from '../../time';
import { silentLogger } from '../../platform/logger';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { dueOf, insertTask, isoSql } from '../helpers/fixtures';
import {
  connectTestTemporal,
  eventually,
  startWorker,
  type ActivityOverrides,
  type RunningWorker,
  type TestTemporal,
} from '../helpers/temporal';
import { holdingActivity } from '../helpers/holding-activity';

const ZONE = 'Asia/Tehran';
const config = loadConfig({ BEHFLOW_TIMEZONE: ZONE }, PROCESS_REGISTRY);
const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';

let db: TestDatabase;
let temporal: TestTemporal;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  await ensureProcessRows(db.orm, PROCESS_REGISTRY, config, silentLogger);
  await reconcileSchedules({
    orm: db.orm,
    client: temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: temporal.taskQueue, catchupWindowMinutes: 240 },
    logger: silentLogger,
  });
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await sql(db.orm, 'TRUNCATE tasks');
});
afterAll(async () => {
  for (const name of [RESCHEDULE, ARCHIVE]) {
    await temporal.client.schedule.getHandle(scheduleIdFor(name, temporal)).delete();
  }
  await temporal.close();
  await db.drop();
});

async function useWorker(overrides: ActivityOverrides = {}): Promise<void> {
  worker = await startWorker(temporal, db.orm, overrides);
}

interface ExecutionRow {
  execution_id: string;
  status: string;
  trigger: string;
  logical_time: string;
  workflow_id: string;
  workflow_run_id: string;
  error_message: string | null;
  result: Record<string, unknown> | null;
}

async function executions(processName: string): Promise<ExecutionRow[]> {
  return sql<ExecutionRow>(
    db.orm,
    `SELECT e.execution_id, e.status, e.trigger, ${isoSql('e.logical_time')} AS logical_time, e.workflow_id,
            e.workflow_run_id, e.error_message, e.result
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = ? ORDER BY e.started_at`,
    [processName],
  );
}

async function startRun(workflowType: 'rescheduleRemainingTasks' | 'archiveCompletedTasks', input: object) {
  return temporal.client.workflow.start(workflowType, {
    taskQueue: temporal.taskQueue,
    workflowId: `test-run-${randomUUID()}`,
    args: [input],
  });
}

describe('a run of reschedule_remaining_tasks', () => {
  it('triggered through its schedule moves exactly the overdue tasks and records the execution and audit', async () => {
    await useWorker();
    const today = localDateAt(ZONE, Date.now());
    const overdue = await insertTask(db.orm, {
      due: new Date(startOfDay(ZONE, today) - 3 * 86_400_000 + 3_600_000).toISOString(),
    });
    const notYet = await insertTask(db.orm, { due: new Date(startOfDay(ZONE, today) + 60_000).toISOString() });
    const done = await insertTask(db.orm, { due: '2020-01-01T00:00:00Z', status: 'completed' });

    await temporal.client.schedule.getHandle(scheduleIdFor(RESCHEDULE, temporal)).trigger(ScheduleOverlapPolicy.SKIP);
    const row = await eventually(async () => (await executions(RESCHEDULE)).find((e) => e.status === 'completed'));

    expect(row).toMatchObject({ trigger: 'schedule', error_message: null });
    expect(row.workflow_id.startsWith(`${temporal.taskQueue}:${RESCHEDULE}-`)).toBe(true);
    expect(row.result).toMatchObject({
      success: true,
      tasks_found: 1,
      tasks_rescheduled: 1,
      target_date: formatLocalDate(today),
    });
    expect((await dueOf(db.orm, overdue)).due).toBe(new Date(startOfDay(ZONE, today) + 3_600_000).toISOString());
    expect((await dueOf(db.orm, notYet)).due).toBe(new Date(startOfDay(ZONE, today) + 60_000).toISOString());
    expect((await dueOf(db.orm, done)).due).toBe('2020-01-01T00:00:00.000Z');
    const audit = await sql(db.orm, 'SELECT task_id FROM automated_process_task_moves WHERE execution_id = ?', [
      row.execution_id,
    ]);
    expect(audit).toEqual([{ task_id: overdue }]);
    const [process] = await sql<{ recent: boolean }>(
      db.orm,
      `SELECT last_executed_at > now() - interval '1 minute' AS recent FROM automated_processes WHERE name = ?`,
      [RESCHEDULE],
    );
    expect(process).toEqual({ recent: true });
  });

  it('started by hand works on the day of its logical time, whatever the clock says', async () => {
    await useWorker();
    const task = await insertTask(db.orm, { due: '2025-12-10T05:45:00Z' });
    const handle = await startRun('rescheduleRemainingTasks', {
      processName: RESCHEDULE,
      trigger: 'manual',
      logicalTime: '2025-12-18T04:00:00.000Z',
    });
    const result = await handle.result();

    expect(result).toMatchObject({
      execution_time: '2025-12-18T07:30:00+03:30',
      target_date: '2025-12-18',
      tasks_rescheduled: 1,
    });
    expect((await dueOf(db.orm, task)).due).toBe('2025-12-18T05:45:00.000Z');
    const row = (await executions(RESCHEDULE)).find((e) => e.workflow_id === handle.workflowId);
    expect(row).toMatchObject({
      status: 'completed',
      trigger: 'manual',
      logical_time: '2025-12-18T04:00:00.000Z',
      workflow_run_id: handle.firstExecutionRunId,
    });
  });

  it('runs a manual-only process (no schedule) in the default zone', async () => {
    await useWorker();
    await sql(
      db.orm,
      `INSERT INTO automated_processes (process_id, name, trigger_type, schedule_config, process_config, is_enabled,
                                        created_at, updated_at)
       VALUES (gen_random_uuid(), 'reschedule_on_demand', 'manual', NULL, '{}', true, now(), now())`,
    );
    const handle = await startRun('rescheduleRemainingTasks', {
      processName: 'reschedule_on_demand',
      logicalTime: '2025-12-18T04:00:00.000Z',
    });
    expect(await handle.result()).toMatchObject({ success: true, execution_time: '2025-12-18T04:00:00+00:00' });
  });

  it('ends in a failed row with the error message when its activity fails', async () => {
    await useWorker({
      rescheduleRemainingTasks: async () => {
        throw ApplicationFailure.nonRetryable('tasks table is locked for maintenance', 'Maintenance');
      },
    });
    const handle = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const row = (await executions(RESCHEDULE)).find((e) => e.workflow_id === handle.workflowId);
    expect(row).toMatchObject({
      status: 'failed',
      error_message: 'rescheduleRemainingTasks: tasks table is locked for maintenance [Maintenance]',
      // As Behflow leaves a failed run: no result, the error in error_message.
      result: null,
    });
  });

  it('completes after a retried activity, counting each task once', async () => {
    let attempts = 0;
    const real = createRescheduleActivities({ orm: db.orm, batchSize: 1 });
    await useWorker({
      rescheduleRemainingTasks: async (run: RunContext) => {
        attempts++;
        if (attempts === 1) throw ApplicationFailure.retryable('connection reset', 'ConnectionReset');
        return real.rescheduleRemainingTasks(run);
      },
    });
    await insertTask(db.orm, { due: '2025-12-10T05:45:00Z' });
    await insertTask(db.orm, { due: '2025-12-11T05:45:00Z' });
    const handle = await startRun('rescheduleRemainingTasks', {
      processName: RESCHEDULE,
      logicalTime: '2025-12-18T04:00:00Z',
    });
    expect(await handle.result()).toMatchObject({ tasks_found: 2, tasks_rescheduled: 2 });
    expect(attempts).toBe(2);
  });

  it('records a cancelled run as failed', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const handle = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    await hold.running;
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const row = (await executions(RESCHEDULE)).find((e) => e.workflow_id === handle.workflowId);
    expect(row).toMatchObject({ status: 'failed', error_message: 'cancelled' });
  });

  it('a terminated run leaves its row running; the next run closes it, saying the workflow was terminated', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const terminated = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    await hold.running;
    await terminated.terminate('operator');
    hold.release();
    const left = (await executions(RESCHEDULE)).find((e) => e.workflow_id === terminated.workflowId);
    expect(left).toMatchObject({ status: 'running' });

    const next = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    expect(await next.result()).toMatchObject({ success: true });
    const closed = (await executions(RESCHEDULE)).find((e) => e.workflow_id === terminated.workflowId);
    expect(closed).toMatchObject({
      status: 'failed',
      error_message: 'its workflow was terminated without closing this row; closed by the next run',
    });
  });

  it('a run is not skipped for a holder terminated just after another run saw it running', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const holder = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    await hold.running;
    // This skip describes the holder's workflow and finds it running.
    const skipped = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    expect(await skipped.result()).toMatchObject({ success: false, skipped: true });
    await holder.terminate('operator');
    hold.release();

    // Seconds later: a skip decision asks Temporal again rather than trusting what it saw.
    const next = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    expect(await next.result()).toMatchObject({ success: true });
    const closed = (await executions(RESCHEDULE)).find((e) => e.workflow_id === holder.workflowId);
    expect(closed).toMatchObject({ status: 'failed' });
  });

  it('never overlaps: the schedule skips a second trigger, and a direct start is skipped too', async () => {
    const hold = holdingActivity();
    await useWorker({ rescheduleRemainingTasks: hold.activity });
    const schedule = temporal.client.schedule.getHandle(scheduleIdFor(RESCHEDULE, temporal));
    const skippedBefore = (await schedule.describe()).info.numActionsSkippedOverlap;

    await schedule.trigger(ScheduleOverlapPolicy.SKIP);
    await hold.running;
    await schedule.trigger(ScheduleOverlapPolicy.SKIP);
    const direct = await startRun('rescheduleRemainingTasks', { processName: RESCHEDULE });
    const directResult = await direct.result();

    expect(directResult).toMatchObject({ success: false, skipped: true });
    const skipped = await eventually(async () => {
      const n = (await schedule.describe()).info.numActionsSkippedOverlap;
      return n > skippedBefore ? n : undefined;
    });
    expect(skipped).toBe(skippedBefore + 1);
    const running = (await executions(RESCHEDULE)).filter((e) => e.status === 'running');
    expect(running).toHaveLength(1);
    hold.release();
    await eventually(async () =>
      (await executions(RESCHEDULE)).every((e) => e.status !== 'running') ? true : undefined,
    );
  });
});

describe('a run of archive_completed_tasks', () => {
  it('tags tasks completed more than N days ago as archived, exactly once', async () => {
    await useWorker();
    const old = await insertTask(db.orm, {
      due: null,
      status: 'completed',
      completedAt: '2025-11-01T10:00:00Z',
      tags: ['home'],
    });
    const recent = await insertTask(db.orm, { due: null, status: 'completed', completedAt: '2025-12-10T10:00:00Z' });
    const openTask = await insertTask(db.orm, { due: '2025-10-01T10:00:00Z', status: 'pending' });
    const input = { processName: ARCHIVE, logicalTime: '2025-12-18T00:00:00Z' };

    const first = await (await startRun('archiveCompletedTasks', input)).result();
    const second = await (await startRun('archiveCompletedTasks', input)).result();

    expect(first).toMatchObject({ tasks_archived: 1, older_than_days: 30, cutoff: '2025-11-18T00:00:00+03:30' });
    expect(second).toMatchObject({ tasks_archived: 0 });
    const tags = await sql<{ task_id: string; tags: string[] | null }>(db.orm, 'SELECT task_id, tags FROM tasks');
    expect(Object.fromEntries(tags.map((t) => [t.task_id, t.tags]))).toEqual({
      [old]: ['home', 'archived'],
      [recent]: null,
      [openTask]: null,
    });
    expect((await executions(ARCHIVE)).map((e) => e.status)).toEqual(['completed', 'completed']);
  });
});
