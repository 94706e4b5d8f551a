import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createExecutionActivities } from '../../activities/executions';
import type { BeginScheduledOutcome } from '../../activities/run-types';
import { describeFailure } from '../../workflows/run-and-record';
import {
  addDays,
  firingOn,
  formatLocalDate,
  lastFiringAtOrBefore,
  localDateAt,
  resolveWallTime,
  type LocalDate,
} from '../../time';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { dueOf, insertProcess, insertTask, isoSql } from '../helpers/fixtures';
import { holdingActivity } from '../helpers/holding-activity';
import {
  connectTestTemporal,
  eventually,
  startWorker,
  type RunningWorker,
  type TestTemporal,
} from '../helpers/temporal';

let db: TestDatabase;
let temporal: TestTemporal;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
});
afterAll(async () => {
  await temporal.close();
  await db.drop();
});

/**
 * A fixed-offset zone where it is early afternoon now, and a daily time two hours ago: today's time
 * has passed and today is not about to end, whenever the test runs.
 */
function afternoonZone(now = Date.now()): { zone: string; hour: number; minute: number; today: LocalDate } {
  const utcHour = new Date(now).getUTCHours();
  const offset = ((14 - utcHour + 36) % 24) - 12; // local hour 14 (or 13/15 at the ends of the range)
  const zone = offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
  const local = new Date(now + offset * 3_600_000);
  return { zone, hour: local.getUTCHours() - 2, minute: local.getUTCMinutes(), today: localDateAt(zone, now) };
}

interface LedgerRow {
  nominal_time: string;
  local_date: string;
  outcome: string;
  execution_id: string | null;
  reason: string | null;
}

async function ledger(processId: string): Promise<LedgerRow[]> {
  return sql<LedgerRow>(
    db.orm,
    `SELECT ${isoSql('nominal_time')} AS nominal_time, local_date::text AS local_date, outcome, execution_id, reason
       FROM automated_process_nominal_times WHERE process_id = ? ORDER BY nominal_time, id`,
    [processId],
  );
}

async function executions(processId: string) {
  return sql<{ execution_id: string; status: string; trigger: string; logical_time: string; error_message: string }>(
    db.orm,
    `SELECT execution_id, status, trigger, ${isoSql('logical_time')} AS logical_time, error_message
       FROM automated_process_executions WHERE process_id = ? ORDER BY started_at`,
    [processId],
  );
}

/** What a schedule starts for a nominal time (the test passes the nominal time itself). */
function startScheduled(workflowType: string, processName: string, nominal: number) {
  return temporal.client.workflow.start(workflowType, {
    taskQueue: temporal.taskQueue,
    workflowId: `${temporal.taskQueue}:${processName}-${new Date(nominal).toISOString()}`,
    args: [{ processName, trigger: 'schedule', logicalTime: new Date(nominal).toISOString() }],
  });
}

describe('one scheduled run per process and local day', () => {
  it('after the worker was down for more than a day: the lost days are missed, today runs once, nothing moves to a past day', async () => {
    const { zone, hour, minute, today } = afternoonZone();
    const process = await insertProcess(db.orm, { timezone: zone, hour, minute });
    const time = { hour, minute };
    const dayOf = (offset: number) => firingOn(zone, addDays(today, offset), time);
    const task = await insertTask(db.orm, {
      due: new Date(resolveWallTime(zone, addDays(today, -3), 9 * 3600)).toISOString(),
    });
    worker = await startWorker(temporal, db.orm);

    // The run Temporal started two days ago, picked up only now that a worker is back.
    const result = await (await startScheduled('rescheduleRemainingTasks', process.name, dayOf(-2))).result();

    expect(result).toMatchObject({ success: true, tasks_rescheduled: 1, target_date: formatLocalDate(today) });
    expect((await dueOf(db.orm, task)).due).toBe(new Date(resolveWallTime(zone, today, 9 * 3600)).toISOString());
    const [run, ...others] = await executions(process.processId);
    expect(others).toEqual([]);
    expect(run).toMatchObject({
      status: 'completed',
      trigger: 'schedule',
      logical_time: new Date(dayOf(0)).toISOString(),
    });
    const rows = await ledger(process.processId);
    expect(rows.map((r) => [r.local_date, r.outcome, r.execution_id])).toEqual([
      [formatLocalDate(addDays(today, -2)), 'missed', null],
      [formatLocalDate(addDays(today, -1)), 'missed', null],
      [formatLocalDate(today), 'ran', run!.execution_id],
    ]);
    expect(rows[0]!.reason).toMatch(/had ended when the run could start .*today's run .* runs instead/);
    expect(rows[1]!.reason).toMatch(/Temporal did not start it: the run for .* was still waiting/);

    // A second firing for the same day (a fold, a restored schedule, another deployment) is skipped.
    const again = await startScheduled('rescheduleRemainingTasks', process.name, dayOf(0));
    await expect(again.result()).resolves.toMatchObject({
      success: false,
      skipped: true,
      running_execution_id: run!.execution_id,
    });
    expect(await executions(process.processId)).toHaveLength(1);
    const skipped = (await ledger(process.processId)).filter((r) => r.outcome === 'skipped');
    expect(skipped).toEqual([
      expect.objectContaining({ local_date: formatLocalDate(today), execution_id: run!.execution_id }),
    ]);
    expect(skipped[0]!.reason).toContain(`already covered by run ${run!.execution_id}`);
  });

  it('waits while a manual run is in progress, records that, and runs its day once the other has finished', async () => {
    const { zone, hour, minute, today } = afternoonZone();
    const process = await insertProcess(db.orm, { timezone: zone, hour, minute });
    const hold = holdingActivity();
    worker = await startWorker(temporal, db.orm, { rescheduleRemainingTasks: hold.activity });
    const manual = await temporal.client.workflow.start('rescheduleRemainingTasks', {
      taskQueue: temporal.taskQueue,
      workflowId: `test-manual-${randomUUID()}`,
      args: [{ processName: process.name, trigger: 'manual' }],
    });
    await hold.running;

    const scheduled = await startScheduled(
      'rescheduleRemainingTasks',
      process.name,
      firingOn(zone, today, { hour, minute }),
    );
    const waiting = await eventually(async () =>
      (await ledger(process.processId)).find((r) => r.outcome === 'skipped'),
    );
    expect(waiting.reason).toMatch(/in progress; this run waits for it to finish/);
    hold.release();
    await manual.result();
    await expect(scheduled.result()).resolves.toMatchObject({ success: true });

    const runs = await executions(process.processId);
    expect(runs.map((r) => [r.trigger, r.status])).toEqual([
      ['manual', 'completed'],
      ['schedule', 'completed'],
    ]);
    expect((await ledger(process.processId)).map((r) => r.outcome)).toEqual(['skipped', 'ran']);
  }, 60_000);

  it('records the times Temporal never started since the last one (paused, or Temporal down past the catch-up window)', async () => {
    const { zone, hour, minute, today } = afternoonZone();
    const process = await insertProcess(db.orm, { timezone: zone, hour, minute });
    const dayOf = (offset: number) => firingOn(zone, addDays(today, offset), { hour, minute });
    await sql(db.orm, `UPDATE automated_processes SET updated_at = now() - interval '10 days' WHERE process_id = ?`, [
      process.processId,
    ]);
    await sql(
      db.orm,
      `INSERT INTO automated_process_nominal_times (process_id, nominal_time, local_date, trigger, outcome, execution_id, workflow_id)
       VALUES (?, ?, ?, 'schedule', 'ran', ?, 'earlier')`,
      [process.processId, new Date(dayOf(-3)).toISOString(), formatLocalDate(addDays(today, -3)), randomUUID()],
    );
    worker = await startWorker(temporal, db.orm);

    await (await startScheduled('rescheduleRemainingTasks', process.name, dayOf(0))).result();

    const rows = await ledger(process.processId);
    expect(rows.map((r) => [r.local_date, r.outcome])).toEqual([
      [formatLocalDate(addDays(today, -3)), 'ran'],
      [formatLocalDate(addDays(today, -2)), 'missed'],
      [formatLocalDate(addDays(today, -1)), 'missed'],
      [formatLocalDate(today), 'ran'],
    ]);
    expect(rows[1]!.reason).toMatch(/schedule was paused, or Temporal was unavailable/);
  });

  it('with a broken stored zone fails at once naming the field, and opens no row', async () => {
    const process = await insertProcess(db.orm, { timezone: 'UTC' });
    await sql(
      db.orm,
      `UPDATE automated_processes SET schedule_config = '{"hour":7,"minute":30,"timezone":"Mars/Olympus"}' WHERE process_id = ?`,
      [process.processId],
    );
    worker = await startWorker(temporal, db.orm);
    for (const trigger of ['schedule', 'manual']) {
      const handle = await temporal.client.workflow.start('rescheduleRemainingTasks', {
        taskQueue: temporal.taskQueue,
        workflowId: `test-${trigger}-${randomUUID()}`,
        args: [{ processName: process.name, trigger, logicalTime: '2026-11-30T07:30:00.000Z' }],
      });
      const failure = await handle.result().catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(describeFailure(failure)).toContain('schedule_config.timezone must be an IANA time zone');
    }
    expect(await executions(process.processId)).toEqual([]);
  });
});

describe('accountSkippedTimes, after a run that went on past the next time', () => {
  it("records the times Temporal skipped and hands back today's, unless the day is claimed", async () => {
    const zone = 'Europe/Berlin';
    const process = await insertProcess(db.orm, { timezone: zone, hour: 7, minute: 30 });
    const time = { hour: 7, minute: 30 };
    const day = (text: string) => firingOn(zone, localDateAt(zone, Date.parse(text)), time);
    // The run for 2026-03-27 went on until 2026-03-29 09:00 (a DST day: 07:30 is 05:30Z there).
    const now = Date.parse('2026-03-29T07:00:00Z');
    const activities = createExecutionActivities({ orm: db.orm, batchSize: 10, now: () => now });
    const input = {
      processName: process.name,
      logicalTime: new Date(day('2026-03-27T12:00:00Z')).toISOString(),
      executionId: randomUUID(),
      workflowId: `test-${randomUUID()}`,
    };

    await expect(activities.accountSkippedTimes(input)).resolves.toEqual({ runFor: '2026-03-29T05:30:00.000Z' });
    await expect(activities.accountSkippedTimes(input)).resolves.toEqual({ runFor: '2026-03-29T05:30:00.000Z' });
    const rows = await ledger(process.processId);
    expect(rows.map((r) => [r.nominal_time, r.outcome, r.execution_id])).toEqual([
      ['2026-03-28T06:30:00.000Z', 'skipped', input.executionId],
      ['2026-03-29T05:30:00.000Z', 'skipped', input.executionId],
    ]);

    const claimed = await activities.beginScheduledRun({
      executionId: randomUUID(),
      processName: process.name,
      trigger: 'schedule',
      logicalTime: '2026-03-29T05:30:00.000Z',
      workflowId: input.workflowId,
      workflowRunId: randomUUID(),
    });
    expect(claimed.kind).toBe('started');
    await expect(activities.accountSkippedTimes(input)).resolves.toEqual({});
  });
});

describe("a scheduled run while Behflow's own scheduler still writes runs", () => {
  it('warns once per run about rows of the last day it did not write, and not about older ones', async () => {
    const { zone, hour, minute } = afternoonZone();
    const process = await insertProcess(db.orm, { timezone: zone, hour, minute });
    const nominal = lastFiringAtOrBefore(zone, { hour, minute }, Date.now());
    const activities = createExecutionActivities({ orm: db.orm, batchSize: 10, now: () => nominal });
    const begin = async () => {
      const warnings: string[] = [];
      const logger = new DefaultLogger('WARN', (entry) => warnings.push(entry.message));
      const outcome = (await new MockActivityEnvironment(undefined, { logger }).run(activities.beginScheduledRun, {
        executionId: randomUUID(),
        processName: process.name,
        trigger: 'schedule' as const,
        logicalTime: new Date(nominal).toISOString(),
        workflowId: `test-${randomUUID()}`,
        workflowRunId: randomUUID(),
      })) as BeginScheduledOutcome;
      return { outcome, warnings };
    };
    const behflowRow = (startedAgo: string) =>
      sql(
        db.orm,
        `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, completed_at, result)
         VALUES (gen_random_uuid(), ?, 'completed', now() - ?::interval, now() - ?::interval, '{"success": true}')`,
        [process.processId, startedAgo, startedAgo],
      );
    await behflowRow('3 days');

    const quiet = await begin();
    expect(quiet.outcome.kind).toBe('started');
    expect(quiet.warnings).toEqual([]);

    await sql(db.orm, `UPDATE automated_process_executions SET status = 'completed' WHERE process_id = ?`, [
      process.processId,
    ]);
    await sql(db.orm, 'DELETE FROM automated_process_nominal_times WHERE process_id = ?', [process.processId]);
    await behflowRow('2 hours');
    const warned = await begin();
    expect(warned.outcome.kind).toBe('started');
    expect(warned.warnings).toEqual([
      `1 execution row(s) of "${process.name}" from the last day were written by another scheduler, not this ` +
        `service: is Behflow's own APScheduler still running? See the README, "Switching Behflow over"`,
    ]);
  });
});
