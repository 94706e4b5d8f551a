import { loadConfig } from '../../config';
import { createLogger, silentLogger } from '../../platform/logger';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { scheduleIdFor } from '../../temporal/ids';
import { syncProcessesAndSchedules } from '../../temporal/reconcile';
import { followRows, rowChanges, rowTimes } from '../../worker/follow-rows';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { firingTimeOf } from '../helpers/schedule-spec';
import { connectTestTemporal, deleteTestSchedules, type TestTemporal } from '../helpers/temporal';

let db: TestDatabase;
let temporal: TestTemporal;

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
});
afterAll(async () => {
  await deleteTestSchedules(temporal);
  await temporal.close();
  await db.drop();
});

describe('the worker follows the rows', () => {
  it("brings a change made in the database (Behflow's startup, an operator's SQL) to the schedule, saying what changed, without the startup lines", async () => {
    const config = loadConfig(
      { TEMPORAL_TASK_QUEUE: temporal.taskQueue, BEHFLOW_TIMEZONE: 'Asia/Tehran' },
      PROCESS_REGISTRY,
    );
    const services = { orm: db.orm, client: temporal.client };
    await syncProcessesAndSchedules(services, config, silentLogger);
    const seen = await rowTimes(services);
    expect(seen.get('reschedule_remaining_tasks')).toBe('07:30 Asia/Tehran');

    await sql(
      db.orm,
      `UPDATE automated_processes SET schedule_config = '{"hour": 8, "minute": 0, "timezone": "Asia/Tehran"}'
        WHERE name = 'reschedule_remaining_tasks'`,
    );
    const lines: string[] = [];
    await followRows(
      services,
      config,
      createLogger('info', (line) => lines.push(line)),
      seen,
    );

    expect(lines).toEqual([
      'INFO:     schedule of reschedule_remaining_tasks changed in the database: 07:30 Asia/Tehran → 08:00 Asia/Tehran',
    ]);
    const described = await temporal.client.schedule
      .getHandle(scheduleIdFor('reschedule_remaining_tasks', temporal))
      .describe();
    expect(firingTimeOf(described)).toEqual({ hour: 8, minute: 0, timezone: 'Asia/Tehran' });
    expect(seen.get('reschedule_remaining_tasks')).toBe('08:00 Asia/Tehran');

    lines.length = 0;
    await followRows(
      services,
      config,
      createLogger('info', (line) => lines.push(line)),
      seen,
    );
    expect(lines).toEqual([]);
  });

  it('leaves a process Behflow deleted deleted: the pass does not create rows again, and the schedule goes', async () => {
    const config = loadConfig(
      { TEMPORAL_TASK_QUEUE: temporal.taskQueue, BEHFLOW_TIMEZONE: 'Asia/Tehran' },
      PROCESS_REGISTRY,
    );
    const services = { orm: db.orm, client: temporal.client };
    await syncProcessesAndSchedules(services, config, silentLogger);
    const seen = await rowTimes(services);
    await sql(db.orm, `DELETE FROM automated_processes WHERE name = 'archive_completed_tasks'`);
    const lines: string[] = [];

    await followRows(
      services,
      config,
      createLogger('info', (line) => lines.push(line)),
      seen,
    );

    expect(await sql(db.orm, `SELECT name FROM automated_processes WHERE name = 'archive_completed_tasks'`)).toEqual(
      [],
    );
    expect(lines).toEqual(['INFO:     process archive_completed_tasks is gone from the database']);
    const schedule = temporal.client.schedule.getHandle(scheduleIdFor('archive_completed_tasks', temporal));
    await expect(schedule.describe()).rejects.toThrow();
  });

  it('names processes that appear, go, or are disabled', () => {
    const before = new Map([
      ['a', '07:30 UTC'],
      ['b', '03:00 UTC'],
    ]);
    const after = new Map([
      ['a', '07:30 UTC, disabled'],
      ['c', '09:00 UTC'],
    ]);
    expect(rowChanges(before, after)).toEqual([
      'schedule of a changed in the database: 07:30 UTC → 07:30 UTC, disabled',
      'process c appeared in the database: 09:00 UTC',
      'process b is gone from the database',
    ]);
  });
});
