import { randomUUID } from 'node:crypto';
import { initORM, type Orm } from '../../db/orm';
import { databaseUrlFor } from '../../db/database-url';
import { ensureTemplateDatabase, templateDatabase, withAdminClient } from '../setup/template-database';
import { testRunFlavour } from './behflow-databases';

export function baseDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests with "npm test", which starts the services');
  return url;
}

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly orm: Orm;
  drop(): Promise<void>;
}

/** A database of this test file's own, cloned from the migrated template of this run's flavour (or empty). */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const base = baseDatabaseUrl();
  const flavour = testRunFlavour();
  if (!options.empty) await ensureTemplateDatabase(base, flavour);
  const name = `test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdminClient(base, (admin) =>
    admin.query(
      options.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${templateDatabase(flavour)}`,
    ),
  );
  const url = databaseUrlFor(base, name);
  const orm = await initORM(url, { poolMax: 4 });
  return {
    url,
    name,
    orm,
    async drop() {
      await orm.close();
      await withAdminClient(base, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Plain SQL for arranging and asserting; returns rows. */
export async function sql<T = Record<string, unknown>>(orm: Orm, query: string, params: unknown[] = []): Promise<T[]> {
  return orm.em.getConnection().execute<T[]>(query, params);
}
