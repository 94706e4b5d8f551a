import { readFileSync } from 'node:fs';
import path from 'node:path';
import { migrate } from '../../db/orm';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';

const BEHFLOW_SCHEMA = readFileSync(path.join(__dirname, '../fixtures/behflow-existing-schema.sql'), 'utf8');

/** The seed's "Checking Execution History" and "Troubleshooting" queries, verbatim. */
const SEED_QUERIES = [
  `SELECT 
    execution_id,
    status,
    started_at,
    completed_at,
    result->>'tasks_rescheduled' as tasks_rescheduled
FROM automated_process_executions
WHERE process_id = (
    SELECT process_id 
    FROM automated_processes 
    WHERE name = 'reschedule_remaining_tasks'
)
ORDER BY started_at DESC
LIMIT 10;`,
  'SELECT name, is_enabled FROM automated_processes;',
  'SELECT name, schedule_config FROM automated_processes;',
  `SELECT 
    execution_id,
    status,
    error_message,
    started_at
FROM automated_process_executions
WHERE status = 'failed'
ORDER BY started_at DESC;`,
];

async function schemaSnapshot(db: TestDatabase) {
  const columns = await sql(
    db.orm,
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  // Constraints too: a rerun of the first migration makes Behflow's foreign key RESTRICT until a later one restores it.
  const constraints = await sql(
    db.orm,
    `SELECT conrelid::regclass::text AS table, conname, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
  );
  return { columns, constraints };
}

async function enumValues(db: TestDatabase) {
  return sql(
    db.orm,
    `SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY t.typname`,
  );
}

describe('migrations on an empty database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('create Behflow tables with their enum types, without a users foreign key', async () => {
    expect(await migrate(db.orm)).toEqual([
      'Migration20261126000000BehflowSchema',
      'Migration20261126010000ProcessRegistrations',
      'Migration20261126020000ArchiveAudit',
      'Migration20261201000000DayLedger',
      'Migration20261201010000ApiPauseNote',
      'Migration20261201020000AuditEveryMove',
      'Migration20261201021000IdempotencyKeys',
      'Migration20261201100000BehflowDeletesCascade',
    ]);
    expect(await enumValues(db)).toEqual([
      { typname: 'priority_enum', labels: 'low,medium,high' },
      { typname: 'process_status_enum', labels: 'pending,running,completed,failed,disabled' },
      { typname: 'status_enum', labels: 'pending,in_progress,completed,cancelled' },
      { typname: 'trigger_type_enum', labels: 'manual,time_based,event_based' },
    ]);
    const fks = await sql(
      db.orm,
      "SELECT conname FROM pg_constraint WHERE conrelid = 'tasks'::regclass AND contype = 'f'",
    );
    expect(fks).toEqual([]);
    const indexed = await sql<{ column: string }>(
      db.orm,
      `SELECT a.attname AS column FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        WHERE i.indrelid = 'tasks'::regclass AND NOT i.indisprimary ORDER BY 1`,
    );
    expect(indexed.map((r) => r.column)).toEqual(['due_date_gregorian', 'status', 'user_id']);
  });

  it('are harmless to run twice, even when the record of having run is lost', async () => {
    const before = await schemaSnapshot(db);
    expect(await migrate(db.orm)).toEqual([]);
    await sql(db.orm, 'TRUNCATE behflow_processes_migrations');
    expect(await migrate(db.orm)).toEqual([
      'Migration20261126000000BehflowSchema',
      'Migration20261126010000ProcessRegistrations',
      'Migration20261126020000ArchiveAudit',
      'Migration20261201000000DayLedger',
      'Migration20261201010000ApiPauseNote',
      'Migration20261201020000AuditEveryMove',
      'Migration20261201021000IdempotencyKeys',
      'Migration20261201100000BehflowDeletesCascade',
    ]);
    expect(await schemaSnapshot(db)).toEqual(before);
  });

  it('let the seed SQL run unchanged', async () => {
    for (const query of SEED_QUERIES) await expect(sql(db.orm, query)).resolves.toEqual([]);
  });
});

describe('migrations on an existing Behflow database', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await sql(db.orm, BEHFLOW_SCHEMA);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('adopt its tables, types and rows as they are, adding only what is missing', async () => {
    const dataBefore = await sql(db.orm, 'SELECT * FROM tasks ORDER BY task_id');
    const processesBefore = await sql(db.orm, 'SELECT * FROM automated_processes');
    const executionsBefore = await sql(
      db.orm,
      'SELECT execution_id, status, started_at, result FROM automated_process_executions ORDER BY execution_id',
    );
    const enumsBefore = await enumValues(db);

    await migrate(db.orm);

    expect(await sql(db.orm, 'SELECT * FROM tasks ORDER BY task_id')).toEqual(dataBefore);
    expect(await sql(db.orm, 'SELECT * FROM automated_processes')).toEqual(processesBefore);
    expect(
      await sql(
        db.orm,
        'SELECT execution_id, status, started_at, result FROM automated_process_executions ORDER BY execution_id',
      ),
    ).toEqual(executionsBefore);
    expect(await enumValues(db)).toEqual(enumsBefore);
    // Behflow's own indexes are recognised by column; none is duplicated.
    const taskIndexes = await sql<{ indexname: string }>(
      db.orm,
      "SELECT indexname FROM pg_indexes WHERE tablename = 'tasks' ORDER BY 1",
    );
    expect(taskIndexes.map((i) => i.indexname)).toEqual([
      'ix_tasks_due',
      'ix_tasks_status',
      'ix_tasks_user',
      'tasks_pkey',
    ]);
    const userFk = await sql(
      db.orm,
      "SELECT 1 FROM pg_constraint WHERE conrelid = 'tasks'::regclass AND contype = 'f'",
    );
    expect(userFk).toHaveLength(1);
  });

  it("let the seed SQL run unchanged and see Behflow's history", async () => {
    const [history, ...rest] = await Promise.all(SEED_QUERIES.map((query) => sql(db.orm, query)));
    expect(history).toHaveLength(3);
    expect(history?.[0]).toMatchObject({ tasks_rescheduled: '3' });
    expect(rest[0]).toEqual([{ name: 'reschedule_remaining_tasks', is_enabled: true }]);
  });

  // Last: it deletes Behflow's row. History is kept by the API's soft delete, never by refusing Behflow's.
  it("let Behflow's delete of a process cascade to its executions, as Behflow made it", async () => {
    await sql(db.orm, "DELETE FROM automated_processes WHERE name = 'reschedule_remaining_tasks'");
    const history = await sql(db.orm, 'SELECT count(*)::int AS n FROM automated_process_executions');
    expect(history).toEqual([{ n: 0 }]);
  });
});
