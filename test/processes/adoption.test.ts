import { loadConfig } from '../../config';
import { migrate } from '../../db/orm';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { ensureProcessRows } from '../../processes/process-rows';
import { createLogger } from '../../platform/logger';
import { reconcileSchedules } from '../../temporal/reconcile';
import { scheduleIdFor } from '../../temporal/ids';
import { DISABLED_NOTE } from '../../temporal/schedule-options';
import { BEHFLOW_FLAVOURS, BEHFLOW_ROWS, behflowSchema, type BehflowFlavour } from '../helpers/behflow-databases';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { connectTestTemporal, deleteTestSchedules, type TestTemporal } from '../helpers/temporal';

const RESCHEDULE = 'reschedule_remaining_tasks';
const ARCHIVE = 'archive_completed_tasks';
const config = loadConfig({ BEHFLOW_TIMEZONE: 'Asia/Tehran' }, PROCESS_REGISTRY, ['worker']);

let temporal: TestTemporal;
const databases: TestDatabase[] = [];

beforeAll(async () => {
  temporal = await connectTestTemporal();
});
afterAll(async () => {
  await deleteTestSchedules(temporal);
  await temporal.close();
  await Promise.all(databases.map((db) => db.drop()));
});

/** A database as Behflow builds it (by its SQL migrations unless told), with its rows, then migrated by us. */
async function behflowDatabase(
  arrange?: (db: TestDatabase) => Promise<unknown>,
  flavour: BehflowFlavour = 'sql-migrations',
): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  databases.push(db);
  await sql(db.orm, behflowSchema(flavour));
  await sql(db.orm, BEHFLOW_ROWS);
  await migrate(db.orm);
  await arrange?.(db);
  return db;
}

/** The worker's start: rows, then schedules; returns what it logged. */
async function start(db: TestDatabase): Promise<string[]> {
  const lines: string[] = [];
  const logger = createLogger('info', (line) => lines.push(line));
  await ensureProcessRows(db.orm, PROCESS_REGISTRY, config, logger);
  await reconcileSchedules({
    orm: db.orm,
    client: temporal.client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: temporal.taskQueue, catchupWindowMinutes: 180 },
    logger,
  });
  return lines;
}

async function enabled(db: TestDatabase): Promise<Record<string, boolean>> {
  const rows = await sql<{ name: string; is_enabled: boolean }>(
    db.orm,
    'SELECT name, is_enabled FROM automated_processes ORDER BY name',
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.is_enabled]));
}

const pauseOf = async (name: string) =>
  (await temporal.client.schedule.getHandle(scheduleIdFor(name, temporal)).describe()).state;

describe.each(BEHFLOW_FLAVOURS)('adopting a database built by %s that already holds Behflow processes', (flavour) => {
  let db: TestDatabase;
  let lines: string[];
  let behflowRow: unknown;
  beforeAll(async () => {
    db = await behflowDatabase(undefined, flavour);
    [behflowRow] = await sql(db.orm, 'SELECT * FROM automated_processes WHERE name = ?', [RESCHEDULE]);
    lines = await start(db);
  });

  it('creates a process Behflow never had disabled, its schedule paused with a note on enabling it, and says so', async () => {
    expect(await enabled(db)).toEqual({ [ARCHIVE]: false, [RESCHEDULE]: true });
    expect(await pauseOf(ARCHIVE)).toEqual({ paused: true, note: DISABLED_NOTE });
    expect(DISABLED_NOTE).toContain('{"enabled": true}');
    const said = lines.filter((line) => line.includes(`${ARCHIVE} was created disabled`));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`this database already held Behflow's processes`);
    expect(said[0]).toContain(`PATCH /processes/${ARCHIVE} {"enabled": true}`);
  });

  it("adopts Behflow's row as it is, its schedule running", async () => {
    expect((await sql(db.orm, 'SELECT * FROM automated_processes WHERE name = ?', [RESCHEDULE]))[0]).toEqual(
      behflowRow,
    );
    expect((await pauseOf(RESCHEDULE)).paused).toBe(false);
  });

  it('keeps the choice at the next start, and follows the row once an operator enables it', async () => {
    await start(db);
    expect(await enabled(db)).toEqual({ [ARCHIVE]: false, [RESCHEDULE]: true });
    await sql(db.orm, 'UPDATE automated_processes SET is_enabled = true WHERE name = ?', [ARCHIVE]);
    await start(db);
    expect((await pauseOf(ARCHIVE)).paused).toBe(false);
  });
});

it("counts Behflow's runs as its data once its row has a registration of ours", async () => {
  // As after a write through our API to Behflow's row: the row alone no longer tells.
  const db = await behflowDatabase((d) =>
    sql(
      d.orm,
      `INSERT INTO automated_process_registrations (process_id, implementation, display_name)
         SELECT process_id, name, name FROM automated_processes`,
    ),
  );
  const lines: string[] = [];
  await ensureProcessRows(
    db.orm,
    PROCESS_REGISTRY,
    config,
    createLogger('info', (line) => lines.push(line)),
  );
  expect(await enabled(db)).toEqual({ [ARCHIVE]: false, [RESCHEDULE]: true });
  expect(lines.join('\n')).toContain('automated_process_executions holds runs of reschedule_remaining_tasks');
});

it('creates every process enabled on an empty database, as before', async () => {
  const db = await createTestDatabase();
  databases.push(db);
  const lines: string[] = [];
  await ensureProcessRows(
    db.orm,
    PROCESS_REGISTRY,
    config,
    createLogger('info', (line) => lines.push(line)),
  );
  expect(await enabled(db)).toEqual({ [ARCHIVE]: true, [RESCHEDULE]: true });
  expect(lines.join('\n')).not.toContain('created disabled');
});
