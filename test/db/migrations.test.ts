import { migrate } from '../../db/orm';
import { BEHFLOW_FLAVOURS, BEHFLOW_ROWS, behflowSchema } from '../helpers/behflow-databases';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { schemaCatalog, schemaDiff } from '../helpers/schema-catalog';

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
      'Migration20261202000000OwnIndexes',
      'Migration20261202010000ProcessPolicies',
      'Migration20261202020000Reruns',
      'Migration20261202030000Notifications',
      'Migration20261202040000Events',
      'Migration20261202050000Chains',
      'Migration20261202060000ConcurrencyLimits',
      'Migration20261202070000ConsoleIndexes',
      'Migration20261202080000ConsoleSignOuts',
      'Migration20261202090000MetricsIndexes',
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
    // The history index under our own name, once: the first migration's copy was renamed, not doubled.
    const history = await sql(
      db.orm,
      `SELECT indexname FROM pg_indexes WHERE tablename = 'automated_process_executions' AND indexdef LIKE '%started_at%' ORDER BY 1`,
    );
    expect(history).toEqual([
      { indexname: 'behflow_processes_executions_by_process_started' },
      { indexname: 'behflow_processes_executions_history_page' },
      { indexname: 'behflow_processes_executions_not_ours' },
    ]);
  });

  it('are harmless to run twice, even when the record of having run is lost', async () => {
    const before = await schemaCatalog(db.orm);
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
      'Migration20261202000000OwnIndexes',
      'Migration20261202010000ProcessPolicies',
      'Migration20261202020000Reruns',
      'Migration20261202030000Notifications',
      'Migration20261202040000Events',
      'Migration20261202050000Chains',
      'Migration20261202060000ConcurrencyLimits',
      'Migration20261202070000ConsoleIndexes',
      'Migration20261202080000ConsoleSignOuts',
      'Migration20261202090000MetricsIndexes',
    ]);
    expect(await schemaCatalog(db.orm)).toEqual(before);
  });

  it('let the seed SQL run unchanged', async () => {
    for (const query of SEED_QUERIES) await expect(sql(db.orm, query)).resolves.toEqual([]);
  });
});

/** What our migrations add to each flavour of Behflow's database: additions only, all of them ours. */
const OUR_TABLES =
  /^(column|constraint) (automated_process_(task_moves|task_archives|registrations|nominal_times|idempotency_keys|env_defaults|notifications|events|event_runs|chain_starts|console_sign_outs)|behflow_processes_migrations)[.]/;
const OUR_INDEXES =
  /^index (automated_process_(task_moves|task_archives|registrations|nominal_times|idempotency_keys|env_defaults|day_claims|notifications_pkey|events_pkey|event_runs_pkey|chain_starts_pkey|console_sign_outs_pkey)|idx_automated_process_(task_moves|task_archives|nominal_times|env_defaults|idempotency_keys|notifications|events|chain_starts)|behflow_processes_)/;
const OUR_EXECUTION_COLUMNS = [
  'trigger',
  'logical_time',
  'workflow_id',
  'workflow_run_id',
  'rerun_of',
  'event_id',
  'caused_by',
  'concurrency_key',
  'concurrency_slot',
  'queued_at',
  'waiting_reason',
].map((column) => `column automated_process_executions.${column}`);

describe.each(BEHFLOW_FLAVOURS)('migrations on a Behflow database built by %s', (flavour) => {
  let db: TestDatabase;
  let before: Map<string, string>;
  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
    await sql(db.orm, behflowSchema(flavour));
    await sql(db.orm, BEHFLOW_ROWS);
    before = await schemaCatalog(db.orm);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('adopt its tables, types and rows as they are: the schema diff is additions of our own only', async () => {
    const dataBefore = await sql(db.orm, 'SELECT * FROM tasks ORDER BY task_id');
    const processesBefore = await sql(db.orm, 'SELECT * FROM automated_processes');
    const executionsBefore = await sql(db.orm, 'SELECT * FROM automated_process_executions ORDER BY execution_id');

    await migrate(db.orm);

    expect(await sql(db.orm, 'SELECT * FROM tasks ORDER BY task_id')).toEqual(dataBefore);
    expect(await sql(db.orm, 'SELECT * FROM automated_processes')).toEqual(processesBefore);
    const executionsAfter = await sql(db.orm, 'SELECT * FROM automated_process_executions ORDER BY execution_id');
    expect(executionsAfter).toEqual(
      executionsBefore.map((row) => ({
        ...row,
        trigger: null,
        logical_time: null,
        workflow_id: null,
        workflow_run_id: null,
        rerun_of: null,
        event_id: null,
        caused_by: null,
        concurrency_key: null,
        concurrency_slot: null,
        queued_at: null,
        waiting_reason: null,
      })),
    );

    const diff = schemaDiff(before, await schemaCatalog(db.orm));
    expect({ changed: diff.changed, dropped: diff.dropped }).toEqual({ changed: [], dropped: [] });
    const notOurs = diff.added.filter(
      (line) =>
        !OUR_TABLES.test(line) &&
        !OUR_INDEXES.test(line) &&
        !OUR_EXECUTION_COLUMNS.some((c) => line.startsWith(`${c}:`)),
    );
    // No type, default, index or constraint on Behflow's tables that Behflow's own schema does not have.
    expect(notOurs).toEqual([]);
    expect(diff.added.filter((line) => line.startsWith('type '))).toEqual([]);
    expect(diff.added).toContainEqual(
      expect.stringMatching(
        /^index behflow_processes_executions_by_process_started: .* USING btree \(process_id, started_at DESC\)$/,
      ),
    );
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

it('refuse, naming it, an index of our name that is not our index, rather than skip it', async () => {
  const db = await createTestDatabase({ empty: true });
  try {
    await sql(db.orm, behflowSchema('sql-migrations'));
    await sql(
      db.orm,
      'CREATE INDEX behflow_processes_executions_by_process_started ON automated_process_executions (status)',
    );
    await expect(migrate(db.orm)).rejects.toThrow(
      /index name behflow_processes_executions_by_process_started is taken by CREATE INDEX .* \(status\)/,
    );
  } finally {
    await db.drop();
  }
});
