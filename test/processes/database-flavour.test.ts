import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';
import { testRunFlavour } from '../helpers/behflow-databases';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** What tells the flavours apart, so a jest project can never quietly run on another flavour's database. */
const EXPECTED = {
  new: { status: 'status_enum', result: 'jsonb', tags: 'text[]', users: false },
  'sql-migrations': { status: 'status_enum', result: 'jsonb', tags: 'text[]', users: true },
  'create-all': { status: 'statusenum', result: 'json', tags: 'character varying[]', users: true },
};

it("runs this jest project's suites on databases built as its flavour builds them", async () => {
  const [found] = await sql(
    db.orm,
    `SELECT (SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'status') AS status,
            (SELECT format_type(atttypid, NULL) FROM pg_attribute
              WHERE attrelid = 'automated_process_executions'::regclass AND attname = 'result') AS result,
            (SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'tags') AS tags,
            to_regclass('users') IS NOT NULL AS users`,
  );
  expect(found).toEqual(EXPECTED[testRunFlavour()]);
});
