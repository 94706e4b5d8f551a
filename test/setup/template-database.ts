import { Client } from 'pg';
import { initORM, migrate } from '../../db/orm';
import { MIGRATIONS } from '../../db/migrations';
import { databaseUrlFor } from '../../db/database-url';

/** Every test file clones this migrated database, so each gets a fresh schema in milliseconds. */
export const TEMPLATE_DATABASE = 'behflow_test_template';

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
 * The migrations a template was built with, kept in its database comment: read from the catalog,
 * since a connection to the template would make concurrent clones of it fail.
 */
const MIGRATIONS_BUILT = MIGRATIONS.map((m) => m.name).join(' ');

/** Creates (once, under a lock; again when the migrations changed) the migrated template database. */
export async function ensureTemplateDatabase(baseUrl: string, rebuild = false): Promise<void> {
  await withAdminClient(baseUrl, async (admin) => {
    await admin.query('SELECT pg_advisory_lock(4242)');
    try {
      const exists = await admin.query<{ built: string | null }>(
        `SELECT shobj_description(oid, 'pg_database') AS built FROM pg_database WHERE datname = $1`,
        [TEMPLATE_DATABASE],
      );
      if (exists.rows[0]?.built === MIGRATIONS_BUILT && !rebuild) return;
      if (exists.rowCount) await admin.query(`DROP DATABASE ${TEMPLATE_DATABASE} WITH (FORCE)`);
      // Built under another name and renamed, so a half-migrated template is never cloned.
      const building = `${TEMPLATE_DATABASE}_building`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const orm = await initORM(databaseUrlFor(baseUrl, building), { poolMax: 2 });
      try {
        await migrate(orm);
      } finally {
        await orm.close();
      }
      await admin.query(`COMMENT ON DATABASE ${building} IS '${MIGRATIONS_BUILT}'`);
      await admin.query(`ALTER DATABASE ${building} RENAME TO ${TEMPLATE_DATABASE}`);
    } finally {
      await admin.query('SELECT pg_advisory_unlock(4242)');
    }
  });
}
