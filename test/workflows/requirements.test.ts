import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';
import { connectTestTemporal, startWorker, type RunningWorker, type TestTemporal } from '../helpers/temporal';

const { EventType } = proto.api.enums.v1;

let db: TestDatabase;
let temporal: TestTemporal;
let worker: RunningWorker;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  worker = await startWorker(temporal, db.orm);
});
afterAll(async () => {
  await worker.stop();
  await temporal.close();
  await db.drop();
});

/** A process (UTC) requiring `required`, with this run bound, stored as the API stores them. */
async function processRequiring(required: string, runSeconds: number): Promise<{ processId: string; name: string }> {
  const process = await insertProcess(db.orm, { timezone: 'UTC' });
  await sql(
    db.orm,
    `INSERT INTO automated_process_registrations (process_id, implementation, display_name, policy, chain_requires)
     VALUES (?, 'reschedule_remaining_tasks', ?, ?::jsonb, ?::jsonb)`,
    [
      process.processId,
      process.name,
      JSON.stringify({ timeouts: { run_seconds: runSeconds } }),
      JSON.stringify([{ process: required, same_local_day: true }]),
    ],
  );
  return process;
}

/** A completed run of the process for this logical time, as its own run would leave it. */
async function completedRun(processId: string, logicalTime: Date): Promise<void> {
  await sql(
    db.orm,
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, completed_at, trigger, logical_time, result)
     VALUES (?, ?, 'completed', now(), now(), 'manual', ?, '{"success": true}'::jsonb)`,
    [randomUUID(), processId, logicalTime.toISOString()],
  );
}

function startScheduled(processName: string, nominal: Date) {
  return temporal.client.workflow.start('rescheduleRemainingTasks', {
    taskQueue: temporal.taskQueue,
    workflowId: `${temporal.taskQueue}:${processName}-${nominal.toISOString()}`,
    args: [{ processName, trigger: 'schedule', logicalTime: nominal.toISOString() }],
  });
}

async function rowsOf(processId: string) {
  return sql<{ status: string; error_message: string | null; closed: boolean }>(
    db.orm,
    `SELECT status, error_message, completed_at IS NOT NULL AS closed FROM automated_process_executions
      WHERE process_id = ? ORDER BY started_at`,
    [processId],
  );
}

async function timersOf(workflowId: string): Promise<number> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_TIMER_FIRED).length;
}

describe('requires [{process, same_local_day: true}]', () => {
  it('a scheduled run waits until the required process has completed for its local day, then runs', async () => {
    const required = await insertProcess(db.orm, { timezone: 'UTC' });
    const downstream = await processRequiring(required.name, 120);
    const now = new Date();
    const handle = await startScheduled(downstream.name, now);

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await rowsOf(downstream.processId)).toEqual([{ status: 'running', error_message: null, closed: false }]);
    await completedRun(required.processId, now);

    await expect(handle.result()).resolves.toMatchObject({ success: true });
    expect(await rowsOf(downstream.processId)).toEqual([{ status: 'completed', error_message: null, closed: true }]);
    expect(await timersOf(handle.workflowId)).toBeGreaterThanOrEqual(1);
  });

  it("fails, naming the requirement, when it is not met within the run's bound; the row closed", async () => {
    const required = await insertProcess(db.orm, { timezone: 'UTC' });
    const downstream = await processRequiring(required.name, 5);
    const now = new Date();
    // Completed, but for the day before: not this run's local day.
    await completedRun(required.processId, new Date(now.getTime() - 86_400_000));
    const handle = await startScheduled(downstream.name, now);

    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const day = now.toISOString().slice(0, 10);
    const message = `requirement not met: "${required.name}" has not completed for ${day} (UTC)`;
    expect(await rowsOf(downstream.processId)).toEqual([
      { status: 'failed', error_message: `${message} [RequirementNotMet]`, closed: true },
    ]);
  });
});
