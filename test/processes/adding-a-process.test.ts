import { ScheduleOverlapPolicy } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { buildApp } from '../../api/app';
import { loadConfig } from '../../config';
import type { ProcessDefinition, WorkflowTypes } from '../../processes/definition';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { silentLogger } from '../../platform/logger';
import { scheduleIdFor } from '../../temporal/ids';
import { syncProcessesAndSchedules } from '../../temporal/reconcile';
import { createProcessWorker } from '../../worker/create-worker';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { insertTask, USER_A, USER_B } from '../helpers/fixtures';
import { connectTestTemporal, eventually, temporalAddress, type TestTemporal } from '../helpers/temporal';
import { createCountOpenTasksActivities } from '../fixtures/added-process/count-open-tasks.activities';
import { firingTimeOf } from '../helpers/schedule-spec';

/*
 * The README's "Adding a process", done from test code: a workflow file and an activities file
 * (test/fixtures/added-process/) and one registry entry (below), nothing else. Its row, its setting
 * variables, its schedule, its workflow bundle and its activities all follow from the entry.
 */
const COUNT_OPEN_TASKS: ProcessDefinition = {
  name: 'count_open_tasks',
  description: "Counts a user's open tasks",
  workflow: {
    module: require.resolve('../fixtures/added-process/count-open-tasks.workflow'),
    type: 'countOpenTasks' satisfies WorkflowTypes<
      typeof import('../fixtures/added-process/count-open-tasks.workflow')
    >,
  },
  createActivities: createCountOpenTasksActivities,
  defaultSchedule: { hour: 6, minute: 45 },
  defaultProcessConfig: { user_id: USER_A },
  validateProcessConfig: () => undefined,
};
const REGISTRY = [...PROCESS_REGISTRY, COUNT_OPEN_TASKS];

let db: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  for (const { name } of REGISTRY) {
    await temporal.client.schedule
      .getHandle(scheduleIdFor(name, temporal))
      .delete()
      .catch(() => undefined);
  }
  await temporal.close();
  await db.drop();
});

it('runs end to end from a workflow file, an activities file and a registry entry', async () => {
  const config = loadConfig(
    { BEHFLOW_TIMEZONE: 'Europe/Berlin', TEMPORAL_TASK_QUEUE: temporal.taskQueue, PROCESS_COUNT_OPEN_TASKS_HOUR: '5' },
    REGISTRY,
  );
  await insertTask(db.orm, { due: '2026-11-30T09:00:00Z', userId: USER_A });
  await insertTask(db.orm, { due: '2026-11-30T09:00:00Z', userId: USER_A, status: 'in_progress' });
  await insertTask(db.orm, { due: '2026-11-30T09:00:00Z', userId: USER_A, status: 'completed' });
  await insertTask(db.orm, { due: '2026-11-30T09:00:00Z', userId: USER_B });

  // What every start does: rows from the registry and the settings, then schedules from the rows.
  const report = await syncProcessesAndSchedules(
    { orm: db.orm, client: temporal.client },
    config,
    silentLogger,
    REGISTRY,
  );
  expect(report.created).toContain('count_open_tasks');
  const [row] = await sql<{ schedule_config: unknown; trigger_type: string; process_config: unknown }>(
    db.orm,
    `SELECT schedule_config, trigger_type::text, process_config FROM automated_processes WHERE name = 'count_open_tasks'`,
  );
  expect(row).toEqual({
    schedule_config: { hour: 5, minute: 45, timezone: 'Europe/Berlin' }, // PROCESS_COUNT_OPEN_TASKS_HOUR=5
    trigger_type: 'time_based',
    process_config: { user_id: USER_A },
  });
  const schedule = temporal.client.schedule.getHandle(scheduleIdFor('count_open_tasks', temporal));
  const described = await schedule.describe();
  expect(firingTimeOf(described)).toEqual({ hour: 5, minute: 45, timezone: 'Europe/Berlin' });
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'countOpenTasks' });

  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await createProcessWorker({
    connection,
    taskQueue: temporal.taskQueue,
    orm: db.orm,
    client: temporal.client,
    batchSize: 100,
    defaultTimezone: config.timezone,
    registry: REGISTRY,
  });
  const app = await buildApp({ orm: db.orm, client: temporal.client, config, registry: REGISTRY }, { logger: false });
  try {
    await worker.runUntil(async () => {
      // A scheduled run, as Temporal starts it at 05:45 Berlin time.
      await schedule.trigger(ScheduleOverlapPolicy.SKIP);
      const scheduled = await eventually(async () => {
        const [execution] = await sql<{ status: string; trigger: string; result: Record<string, unknown> }>(
          db.orm,
          `SELECT status::text, trigger, result FROM automated_process_executions e
             JOIN automated_processes p USING (process_id) WHERE p.name = 'count_open_tasks' AND status <> 'running'`,
        );
        return execution;
      });
      expect(scheduled).toMatchObject({
        status: 'completed',
        trigger: 'schedule',
        result: { success: true, open_tasks: 2 },
      });

      // And a manual one through the API, like any other process.
      const res = await app.inject({
        method: 'POST',
        url: '/processes/count_open_tasks/trigger?wait=true',
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ status: 'completed', trigger: 'manual', result: { open_tasks: 2 } });
    });
  } finally {
    await app.close();
    await connection.close();
  }
});
