import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { createRescheduleActivities } from '../../activities/reschedule-remaining-tasks';
import type { RunContext } from '../../activities/run-types';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { holdingActivity } from '../helpers/holding-activity';
import { dueOf, insertProcess, insertTask, isoSql } from '../helpers/fixtures';
import { connectTestTemporal, startWorker, type RunningWorker, type TestTemporal } from '../helpers/temporal';

const { EventType } = proto.api.enums.v1;
const LOGICAL_TIME = '2025-12-18T04:00:00.000Z';
/** What breaks the database under a run: the column every reschedule query reads. */
const BREAK = 'ALTER TABLE tasks RENAME COLUMN due_date_gregorian TO due_date_broken';
const REPAIR = 'ALTER TABLE tasks RENAME COLUMN due_date_broken TO due_date_gregorian';

let db: TestDatabase;
let temporal: TestTemporal;
let worker: RunningWorker | undefined;
let broken = false;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  if (broken) await repair();
  await sql(db.orm, 'TRUNCATE tasks');
});
afterAll(async () => {
  await temporal.close();
  await db.drop();
});

async function breakDatabase(): Promise<void> {
  await sql(db.orm, BREAK);
  broken = true;
}

async function repair(): Promise<void> {
  await sql(db.orm, REPAIR);
  broken = false;
}

/** A process of its own with this policy (stored as the API stores it). */
async function processWithPolicy(policy: object): Promise<string> {
  const { processId, name } = await insertProcess(db.orm, { timezone: 'Asia/Tehran' });
  await sql(
    db.orm,
    `INSERT INTO automated_process_registrations (process_id, implementation, display_name, policy)
     VALUES (?, 'reschedule_remaining_tasks', ?, ?::jsonb)`,
    [processId, name, JSON.stringify(policy)],
  );
  return name;
}

/** The real work activity, counting its attempts; `afterFailure` runs after each failed one. */
async function useCountingWorker(afterFailure: (attempt: number) => Promise<void> = async () => undefined) {
  const real = createRescheduleActivities({ orm: db.orm, batchSize: 500 });
  const counter = { attempts: 0 };
  worker = await startWorker(temporal, db.orm, {
    rescheduleRemainingTasks: async (run: RunContext) => {
      const attempt = ++counter.attempts;
      try {
        return await real.rescheduleRemainingTasks(run);
      } catch (err) {
        await afterFailure(attempt);
        throw err;
      }
    },
  });
  return counter;
}

function startRun(processName: string) {
  return temporal.client.workflow.start('rescheduleRemainingTasks', {
    taskQueue: temporal.taskQueue,
    workflowId: `test-policy-${randomUUID()}`,
    args: [{ processName, trigger: 'manual', logicalTime: LOGICAL_TIME }],
  });
}

interface Row {
  execution_id: string;
  status: string;
  trigger: string;
  logical_time: string;
  rerun_of: string | null;
  error_message: string | null;
  closed: boolean;
}

async function rows(processName: string): Promise<Row[]> {
  return sql<Row>(
    db.orm,
    `SELECT e.execution_id, e.status, e.trigger, ${isoSql('e.logical_time')} AS logical_time, e.rerun_of,
            e.error_message, e.completed_at IS NOT NULL AS closed
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = ? ORDER BY e.started_at`,
    [processName],
  );
}

/** The attempt Temporal recorded for each work activity that started (its last attempt). */
async function workAttempts(workflowId: string): Promise<number[]> {
  const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
    .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof WorkflowFailedError)) throw new Error(`expected the run to fail, got ${String(err)}`);
  return err.cause?.message ?? '';
}

describe("the run's retry policy", () => {
  it('max_attempts 1: a run whose database breaks under it fails after one attempt, its row failed', async () => {
    const counter = await useCountingWorker();
    const name = await processWithPolicy({ retry: { max_attempts: 1 } });
    await breakDatabase();

    const handle = await startRun(name);
    await failure(handle.result());

    expect(counter.attempts).toBe(1);
    expect(await workAttempts(handle.workflowId)).toEqual([1]);
    const [row] = await rows(name);
    expect(row).toMatchObject({ status: 'failed', trigger: 'manual', rerun_of: null, closed: true });
    expect(row?.error_message).toMatch(/^rescheduleRemainingTasks: .*due_date_gregorian.* does not exist/);
    expect(await rows(name)).toHaveLength(1); // rerun_failed.max_runs defaults to 0: no rerun
  });

  it('max_attempts 3, 1 s apart: three attempts, then the run fails', async () => {
    const counter = await useCountingWorker();
    const name = await processWithPolicy({
      retry: { max_attempts: 3, initial_interval_seconds: 1, backoff: 1, max_interval_seconds: 1 },
    });
    await breakDatabase();

    const handle = await startRun(name);
    await failure(handle.result());

    expect(counter.attempts).toBe(3);
    expect(await workAttempts(handle.workflowId)).toEqual([3]);
  });
});

describe('automatic reruns (rerun_failed)', () => {
  it('max_runs 1, delay 0: after the failure and a repair, the rerun completes as a new row with rerun_of', async () => {
    await useCountingWorker(async (attempt) => {
      if (attempt === 1) await repair();
    });
    const name = await processWithPolicy({
      retry: { max_attempts: 1 },
      rerun_failed: { max_runs: 1, delay_minutes: 0 },
    });
    const task = await insertTask(db.orm, { due: '2025-12-10T05:45:00Z' });
    await breakDatabase();

    const handle = await startRun(name);
    expect(await handle.result()).toMatchObject({ success: true, tasks_rescheduled: 1, target_date: '2025-12-18' });

    const [failed, rerun, ...more] = await rows(name);
    expect(more).toEqual([]);
    expect(failed).toMatchObject({ status: 'failed', trigger: 'manual', rerun_of: null, logical_time: LOGICAL_TIME });
    expect(rerun).toMatchObject({
      status: 'completed',
      trigger: 'rerun',
      rerun_of: failed?.execution_id,
      logical_time: LOGICAL_TIME,
      error_message: null,
    });
    expect((await dueOf(db.orm, task)).due).toBe('2025-12-18T05:45:00.000Z');
  });

  it('max_runs 2: a run that keeps failing is rerun twice in a chain, then the workflow fails', async () => {
    const counter = await useCountingWorker();
    const name = await processWithPolicy({
      retry: { max_attempts: 1 },
      rerun_failed: { max_runs: 2, delay_minutes: 0 },
    });
    await breakDatabase();

    await failure((await startRun(name)).result());

    const chain = await rows(name);
    expect(chain.map((r) => [r.status, r.trigger])).toEqual([
      ['failed', 'manual'],
      ['failed', 'rerun'],
      ['failed', 'rerun'],
    ]);
    expect(chain.map((r) => r.rerun_of)).toEqual([null, chain[0]?.execution_id, chain[1]?.execution_id]);
    expect(counter.attempts).toBe(3);
  });
});

describe('the bound on the run (timeouts.run_seconds)', () => {
  it('a run held past run_seconds by a lock on tasks ends failed, "timed out after 5 s", its row closed', async () => {
    await useCountingWorker();
    const name = await processWithPolicy({ timeouts: { run_seconds: 5 } });
    const locker = new Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const handle = await startRun(name);

      expect(await failure(handle.result())).toBe('timed out after 5 s');
      const seconds = (Date.now() - started) / 1000;
      expect(seconds).toBeGreaterThanOrEqual(5);
      expect(seconds).toBeLessThan(15);
      expect(await rows(name)).toEqual([
        expect.objectContaining({ status: 'failed', error_message: 'timed out after 5 s', closed: true }),
      ]);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });
});

describe('a changed policy', () => {
  it('leaves the running workflow with the policy it started with, and applies from the next run', async () => {
    const hold = holdingActivity();
    worker = await startWorker(temporal, db.orm, { rescheduleRemainingTasks: hold.activity });
    const name = await processWithPolicy({ timeouts: { run_seconds: 3600 } });
    const running = await startRun(name);
    await hold.running;

    await sql(
      db.orm,
      `UPDATE automated_process_registrations SET policy = '{"timeouts": {"run_seconds": 5}}'::jsonb
        WHERE display_name = ?`,
      [name],
    );
    await new Promise((resolve) => setTimeout(resolve, 7000));
    expect(await rows(name)).toEqual([expect.objectContaining({ status: 'running' })]);
    hold.release();
    expect(await running.result()).toMatchObject({ success: true });

    // The next run is held as long, and times out under the new policy.
    const next = holdingActivity();
    await worker.stop();
    worker = await startWorker(temporal, db.orm, { rescheduleRemainingTasks: next.activity });
    expect(await failure((await startRun(name)).result())).toBe('timed out after 5 s');
    next.release();
  });
});
