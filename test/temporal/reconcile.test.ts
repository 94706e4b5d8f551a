import { ScheduleOverlapPolicy } from '@temporalio/client';
import { loadConfig } from '../../config';
import { initORM } from '../../db/orm';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { DISABLED_NOTE } from '../../temporal/schedule-options';
import { scheduleIdFor } from '../../temporal/ids';
import { ensureProcessRows } from '../../processes/process-rows';
import { reconcileSchedules } from '../../temporal/reconcile';
import { createLogger } from '../../platform/logger';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { insertProcess } from '../helpers/fixtures';
import { connectTestTemporal, deleteTestSchedules, type TestTemporal } from '../helpers/temporal';
import { firingTimeOf } from '../helpers/schedule-spec';

const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';

let db: TestDatabase;
let temporal: TestTemporal;
let lines: string[];

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  await deleteTestSchedules(temporal);
  await temporal.close();
  await db.drop();
});

function reconcile() {
  lines = [];
  return reconcileSchedules({
    orm: db.orm,
    client: temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: temporal.taskQueue, catchupWindowMinutes: 180 },
    logger: createLogger('info', (line) => lines.push(line)),
  });
}

function schedule(name: string) {
  return temporal.client.schedule.getHandle(scheduleIdFor(name, temporal));
}

async function setRow(name: string, assignments: string) {
  await sql(db.orm, `UPDATE automated_processes SET ${assignments} WHERE name = ?`, [name]);
}

describe('process rows from the registry and the environment', () => {
  it('creates a row per registered process with the environment schedule and default config', async () => {
    await ensureProcessRows(
      db.orm,
      PROCESS_REGISTRY,
      loadConfig({ BEHFLOW_TIMEZONE: 'Asia/Tehran' }, PROCESS_REGISTRY),
      createLogger('error'),
    );
    const rows = await sql(
      db.orm,
      'SELECT name, trigger_type, schedule_config, process_config, is_enabled FROM automated_processes ORDER BY name',
    );
    expect(rows).toEqual([
      {
        name: ARCHIVE,
        trigger_type: 'time_based',
        schedule_config: { hour: 3, minute: 0, timezone: 'Asia/Tehran' },
        process_config: { older_than_days: 30 },
        is_enabled: true,
      },
      {
        name: RESCHEDULE,
        trigger_type: 'time_based',
        schedule_config: { hour: 7, minute: 30, timezone: 'Asia/Tehran' },
        process_config: { include_statuses: ['pending', 'in_progress'], update_to_today: true },
        is_enabled: true,
      },
    ]);
  });

  it('creates each row once when several workers start at once on an empty database', async () => {
    const fresh = await createTestDatabase();
    const others = await Promise.all([1, 2].map(() => initORM(fresh.url, { poolMax: 2 })));
    try {
      const config = loadConfig({ BEHFLOW_TIMEZONE: 'Asia/Tehran' }, PROCESS_REGISTRY);
      const quiet = createLogger('error');
      await Promise.all([fresh.orm, ...others].map((orm) => ensureProcessRows(orm, PROCESS_REGISTRY, config, quiet)));
      expect(
        await sql(
          fresh.orm,
          'SELECT p.name, count(r.*)::int AS registrations FROM automated_processes p LEFT JOIN automated_process_registrations r USING (process_id) GROUP BY p.name ORDER BY p.name',
        ),
      ).toEqual([
        { name: ARCHIVE, registrations: 1 },
        { name: RESCHEDULE, registrations: 1 },
      ]);
    } finally {
      await Promise.all(others.map((orm) => orm.close()));
      await fresh.drop();
    }
  });

  it('keeps a change made another way when .env is unchanged, and applies an edited .env', async () => {
    const quiet = createLogger('error');
    await setRow(RESCHEDULE, `schedule_config = '{"hour": 9, "minute": 0, "timezone": "Asia/Tehran"}'`);
    await ensureProcessRows(
      db.orm,
      PROCESS_REGISTRY,
      loadConfig({ BEHFLOW_TIMEZONE: 'Asia/Tehran' }, PROCESS_REGISTRY),
      quiet,
    );
    const [kept] = await sql(db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [RESCHEDULE]);
    expect(kept).toEqual({ schedule_config: { hour: 9, minute: 0, timezone: 'Asia/Tehran' } });

    await ensureProcessRows(
      db.orm,
      PROCESS_REGISTRY,
      loadConfig({ BEHFLOW_TIMEZONE: 'Asia/Tehran', RESCHEDULE_HOUR: '8', RESCHEDULE_MINUTE: '15' }, PROCESS_REGISTRY),
      quiet,
    );
    const [edited] = await sql(db.orm, 'SELECT schedule_config FROM automated_processes WHERE name = ?', [RESCHEDULE]);
    expect(edited).toEqual({ schedule_config: { hour: 8, minute: 15, timezone: 'Asia/Tehran' } });
    await setRow(RESCHEDULE, `schedule_config = '{"hour": 7, "minute": 30, "timezone": "Asia/Tehran"}'`);
  });
});

describe('reconciling Temporal schedules with the rows', () => {
  it('creates one schedule per time-based process: daily at hour:minute in its zone, SKIP, explicit catch-up window', async () => {
    const report = await reconcile();
    expect(report.created.sort()).toEqual([ARCHIVE, RESCHEDULE]);

    const described = await schedule(RESCHEDULE).describe();
    expect(firingTimeOf(described)).toEqual({ hour: 7, minute: 30, timezone: 'Asia/Tehran' });
    // In UTC: 07:30 in Tehran (+03:30) is 04:00.
    expect(described.spec.calendars?.[0]).toMatchObject({
      hour: [{ start: 4, end: 4, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      second: [{ start: 0, end: 0, step: 1 }],
    });
    expect(described.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 180 * 60 * 1000 });
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'rescheduleRemainingTasks',
      taskQueue: temporal.taskQueue,
      args: [{ processName: RESCHEDULE }],
      memo: expect.objectContaining({ process: RESCHEDULE }),
    });
    expect(described.memo).toMatchObject({ process: RESCHEDULE, managedBy: 'behflow-processes' });
    const next = described.info.nextActionTimes[0];
    // 07:30 in Tehran (+03:30) is 04:00 UTC.
    expect(next?.toISOString()).toMatch(/T04:00:00\.000Z$/);
  });

  it("logs the seed's startup lines with each job's next run in its own zone", async () => {
    await reconcile();
    expect(lines).toContain('INFO:     Scheduled jobs: 2');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^INFO: {5}  - reschedule_remaining_tasks: next run at \d{4}-\d\d-\d\d 07:30:00\+03:30$/),
      ]),
    );
  });

  it('changes nothing when run twice', async () => {
    const before = await schedule(RESCHEDULE).describe();
    const report = await reconcile();
    expect(report).toMatchObject({ created: [], updated: [], paused: [], unpaused: [], deleted: [] });
    expect(report.unchanged.sort()).toEqual([ARCHIVE, RESCHEDULE]);
    expect((await schedule(RESCHEDULE).describe()).info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  });

  it('updates a schedule whose row changed time or zone', async () => {
    await setRow(RESCHEDULE, `schedule_config = '{"hour": 6, "minute": 45, "timezone": "America/New_York"}'`);
    expect((await reconcile()).updated).toEqual([RESCHEDULE]);
    const described = await schedule(RESCHEDULE).describe();
    expect(firingTimeOf(described)).toEqual({ hour: 6, minute: 45, timezone: 'America/New_York' });
    await setRow(RESCHEDULE, `schedule_config = '{"hour": 7, "minute": 30, "timezone": "Asia/Tehran"}'`);
    expect((await reconcile()).updated).toEqual([RESCHEDULE]);
  });

  it('pauses the schedule of a disabled process and resumes it when enabled again', async () => {
    await setRow(ARCHIVE, 'is_enabled = false');
    expect((await reconcile()).paused).toEqual([ARCHIVE]);
    expect((await schedule(ARCHIVE).describe()).state).toMatchObject({ paused: true, note: DISABLED_NOTE });
    expect(lines).toContain('INFO:     Scheduled jobs: 1');

    await setRow(ARCHIVE, 'is_enabled = true');
    expect((await reconcile()).unpaused).toEqual([ARCHIVE]);
    expect((await schedule(ARCHIVE).describe()).state.paused).toBe(false);
  });

  it("does not undo an operator's pause", async () => {
    await schedule(ARCHIVE).pause('maintenance window');
    const report = await reconcile();
    expect(report.unpaused).toEqual([]);
    expect((await schedule(ARCHIVE).describe()).state).toMatchObject({ paused: true, note: 'maintenance window' });
    await schedule(ARCHIVE).unpause();
  });

  it('skips a row with a bad schedule, naming the field, without stopping the others', async () => {
    await setRow(ARCHIVE, `schedule_config = '{"hour": 25, "minute": 0, "timezone": "Asia/Tehran"}'`);
    const report = await reconcile();
    expect(report.invalid).toEqual([ARCHIVE]);
    expect(lines.join('\n')).toContain('schedule_config.hour must be a whole number from 0 to 23');
    await setRow(ARCHIVE, `schedule_config = '{"hour": 3, "minute": 0, "timezone": "Asia/Tehran"}'`);
  });

  it("deletes the schedules it owns whose process is gone, and no one else's", async () => {
    const other = `${temporal.taskQueue}-elsewhere:someone-elses`;
    await temporal.client.schedule.create({
      scheduleId: other,
      spec: { calendars: [{ hour: 1 }] },
      action: { type: 'startWorkflow', workflowType: 'x', taskQueue: 'elsewhere' },
      memo: { managedBy: 'behflow-processes', taskQueue: 'elsewhere' },
      state: { paused: true },
    });
    const { name } = await insertProcess(db.orm, { name: RESCHEDULE.replace('reschedule', 'doomed') });
    await sql(db.orm, 'DELETE FROM automated_processes WHERE name = ?', [name]);
    await sql(db.orm, 'DELETE FROM automated_processes WHERE name = ?', [ARCHIVE]);
    // Visibility (which lists schedules) lags writes a little on the dev server.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const report = await reconcile();

    expect(report.deleted).toEqual([ARCHIVE]);
    await expect(schedule(ARCHIVE).describe()).rejects.toThrow(/not found/i);
    await expect(temporal.client.schedule.getHandle(other).describe()).resolves.toBeDefined();
    await temporal.client.schedule.getHandle(other).delete();
  });
});
