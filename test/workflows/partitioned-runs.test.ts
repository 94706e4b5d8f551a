import { randomUUID } from 'node:crypto';
import { temporal as proto } from '@temporalio/proto';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { insertProcess, insertTaskSeries } from '../helpers/fixtures';
import { connectTestTemporal, startWorker, type RunningWorker, type TestTemporal } from '../helpers/temporal';

/** policy.partitions through a real worker: one run, its table walk in parts side by side. */

const { EventType } = proto.api.enums.v1;
const LOGICAL_TIME = '2025-12-18T04:00:00.000Z';

let db: TestDatabase;
let temporal: TestTemporal;
let worker: RunningWorker;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  worker = await startWorker(temporal, db.orm, {}, 200);
});
afterAll(async () => {
  await worker.stop();
  await temporal.close();
  await db.drop();
});

async function processWithPartitions(partitions: number | 'auto' | undefined): Promise<string> {
  const { processId, name } = await insertProcess(db.orm, { timezone: 'Asia/Tehran' });
  await sql(
    db.orm,
    `INSERT INTO automated_process_registrations (process_id, implementation, display_name, policy)
     VALUES (?, 'reschedule_remaining_tasks', ?, ?::jsonb)`,
    [processId, name, JSON.stringify(partitions === undefined ? {} : { partitions })],
  );
  return name;
}

async function run(processName: string) {
  const handle = await temporal.client.workflow.start('rescheduleRemainingTasks', {
    taskQueue: temporal.taskQueue,
    workflowId: `test-partitions-${randomUUID()}`,
    args: [{ processName, trigger: 'manual', logicalTime: LOGICAL_TIME }],
  });
  const result = (await handle.result()) as Record<string, unknown>;
  const history = await handle.fetchHistory();
  const activities = (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  return { result, activities, workflowId: handle.workflowId };
}

/** The audit rows of the run's completed execution, and the distinct tasks they moved. */
async function movesOf(workflowId: string) {
  const [moves] = await sql<{ n: string; tasks: string }>(
    db.orm,
    `SELECT count(*) AS n, count(DISTINCT task_id) AS tasks FROM automated_process_task_moves m
       JOIN automated_process_executions e USING (execution_id)
      WHERE e.status = 'completed' AND e.workflow_id = ?`,
    [workflowId],
  );
  return moves;
}

describe('a partitioned run', () => {
  it('partitions 3: plans, walks three ranges, finishes; every overdue task moved once and counted', async () => {
    await insertTaskSeries(db.orm, {
      from: 'generate_series(1, 2500) i',
      due: "timestamptz '2025-12-01T00:00:00Z' + make_interval(mins => i * 3)",
    });
    const { result, activities, workflowId } = await run(await processWithPartitions(3));

    expect(activities).toEqual([
      'planRescheduleRun',
      'rescheduleTaskRange',
      'rescheduleTaskRange',
      'rescheduleTaskRange',
      'finishRescheduleRun',
    ]);
    expect(result).toMatchObject({ success: true, tasks_found: 2500, tasks_rescheduled: 2500 });
    expect(await movesOf(workflowId)).toEqual({ n: '2500', tasks: '2500' });
  });

  it('partitions 1: one work activity, as before', async () => {
    await insertTaskSeries(db.orm, { from: 'generate_series(1, 10) i', due: "'2025-12-01T05:00:00Z'" });
    const { result, activities } = await run(await processWithPartitions(1));
    expect(activities).toEqual(['rescheduleRemainingTasks']);
    expect(result).toMatchObject({ tasks_rescheduled: 10 });
  });

  it('partitions left out ("auto") with few overdue tasks: one work activity, which moves them', async () => {
    await insertTaskSeries(db.orm, { from: 'generate_series(1, 40) i', due: "'2025-12-01T05:00:00Z'" });
    const { result, activities } = await run(await processWithPartitions(undefined));
    expect(activities).toEqual(['rescheduleRemainingTasks']);
    expect(result).toMatchObject({ tasks_found: 40, tasks_rescheduled: 40 });
  });

  it('"auto" with enough overdue tasks for two parts (5 batches of 200 each): the work activity plans two walks', async () => {
    await insertTaskSeries(db.orm, {
      from: 'generate_series(1, 2500) i',
      due: "timestamptz '2025-12-01T00:00:00Z' + make_interval(secs => i * 37)",
    });
    const { result, activities, workflowId } = await run(await processWithPartitions('auto'));
    expect(activities).toEqual([
      'rescheduleRemainingTasks',
      'rescheduleTaskRange',
      'rescheduleTaskRange',
      'finishRescheduleRun',
    ]);
    expect(result).toMatchObject({ success: true, tasks_found: 2500, tasks_rescheduled: 2500 });
    expect(await movesOf(workflowId)).toEqual({ n: '2500', tasks: '2500' });
  });
});
