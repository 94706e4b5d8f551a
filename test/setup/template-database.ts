import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { initORM, migrate } from '../../db/orm';
import { MIGRATIONS } from '../../db/migrations';
import { databaseUrlFor } from '../../db/database-url';
import { behflowSchema, type DatabaseFlavour } from '../helpers/behflow-databases';

/** Every test file clones the migrated database of its flavour, so each gets a fresh schema in milliseconds. */
export function templateDatabase(flavour: DatabaseFlavour): string {
  return flavour === 'new' ? 'behflow_test_template' : `behflow_test_template_${flavour.replace('-', '_')}`;
}

export async function withAdminClient<T>(baseUrl: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrlFor(baseUrl, 'postgres') });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

/**
 * What a template was built from (flavour, fixture, migrations), kept in its database comment: read
 * from the catalog, since a connection to the template would make concurrent clones of it fail.
 */
function builtFrom(flavour: DatabaseFlavour): string {
  const schema =
    flavour === 'new' ? '' : createHash('sha256').update(behflowSchema(flavour)).digest('hex').slice(0, 12);
  return `${flavour} ${schema} ${MIGRATIONS.map((m) => m.name).join(' ')}`;
}

/**
 * Creates (once, under a lock; again when the migrations or the fixture changed) the migrated template
 * database of a flavour: Behflow's schema as that flavour builds it, then this service's migrations.
 */
export async function ensureTemplateDatabase(
  baseUrl: string,
  flavour: DatabaseFlavour,
  rebuild = false,
): Promise<void> {
  const template = templateDatabase(flavour);
  const built = builtFrom(flavour);
  await withAdminClient(baseUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock(4242)');
    try {
      const exists = await admin.query<{ built: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS built FROM pg_database WHERE datname = $1`,
        [template],
      );
      if (exists.rows[0]?.built === built && !rebuild) return;
      if (exists.rowCount) await admin.query(`DROP DATABASE ${template} WITH (FORCE)`);
      // Built under another name and renamed, so a half-migrated template is never cloned.
      const building = `${template}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const orm = await initORM(databaseUrlFor(baseUrl, building), { poolMax: 2 });
      try {
        if (flavour !== 'new') await orm.em.getConnection().execute(behflowSchema(flavour));
        await migrate(orm);
      } finally {
        await orm.close();
      }
      await admin.query(`COMMENT ON DATABASE ${building} IS '${built}'`);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242)');
    }
  });
}
