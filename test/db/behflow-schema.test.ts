import { BehflowSchemaError, checkBehflowSchema } from '../../db/behflow-schema';
import { migrate } from '../../db/orm';
import { BEHFLOW_FLAVOURS, behflowSchema } from '../helpers/behflow-databases';
import { createTestDatabase, sql, type TestDatabase } from '../helpers/database';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function migrated(schema?: string): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  databases.push(db);
  if (schema) await sql(db.orm, schema);
  await migrate(db.orm);
  return db;
}

describe("the start-up check of Behflow's columns", () => {
  it.each([
    [
      'new',
      undefined,
      'enum types status_enum, trigger_type_enum, process_status_enum; schedule_config, process_config and result jsonb; tags text[]',
    ],
    [
      'sql-migrations',
      behflowSchema('sql-migrations'),
      'enum types status_enum, trigger_type_enum, process_status_enum; schedule_config, process_config and result jsonb; tags text[]',
    ],
    [
      'create-all',
      behflowSchema('create-all'),
      'enum types statusenum, triggertypeenum, processstatusenum; schedule_config, process_config and result json; tags character varying[]',
    ],
  ])('says what it found on a %s database', async (_flavour, schema, found) => {
    expect(await checkBehflowSchema((await migrated(schema)).orm)).toBe(`Behflow's tables: ${found}`);
  });

  it('refuses, naming the column, an enum without a value this service writes or reads', async () => {
    const schema = behflowSchema('create-all').replace(
      "statusenum AS ENUM ('pending', 'in_progress', 'completed', 'cancelled')",
      "statusenum AS ENUM ('pending', 'completed', 'cancelled')",
    );
    expect(schema).not.toEqual(behflowSchema('create-all'));
    const check = checkBehflowSchema((await migrated(schema)).orm);
    await expect(check).rejects.toThrow(BehflowSchemaError);
    await expect(check).rejects.toThrow(
      "Behflow's column tasks.status (enum statusenum) lacks the value(s) in_progress that this service uses",
    );
  });

  it('refuses a settings column that is not json', async () => {
    const db = await migrated(behflowSchema(BEHFLOW_FLAVOURS[0]));
    await sql(db.orm, 'ALTER TABLE automated_process_executions ALTER COLUMN result TYPE text');
    await expect(checkBehflowSchema(db.orm)).rejects.toThrow(
      "Behflow's column automated_process_executions.result is text, not json or jsonb",
    );
  });
});
