import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export type Orm = MikroORM;

export interface OrmOptions {
  readonly poolMax?: number;
  readonly debug?: boolean;
}

/** One ORM per process; callers fork its EntityManager per request or activity call. */
export async function initORM(databaseUrl: string, options: OrmOptions = {}): Promise<Orm> {
  return MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: ENTITIES,
    extensions: [Migrator],
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    // Timestamps go over the wire as UTC instants whatever the server's or session's zone.
    timezone: 'Z',
    forceUtcTimezone: true,
    pool: { min: 0, max: options.poolMax ?? 10 },
    debug: options.debug ?? false,
    migrations: {
      tableName: 'behflow_processes_migrations',
      migrationsList: MIGRATIONS,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  });
}

/** Arbitrary but fixed: serialises migrations when several workers start at once. */
const MIGRATION_LOCK_KEY = 7_316_402_113;

/** Applies pending migrations under an advisory lock (held on its own connection: needs a pool of 2+). */
export async function migrate(orm: Orm): Promise<string[]> {
  const knex = orm.em.getConnection().getKnex();
  const lock = await knex.client.acquireConnection();
  try {
    await knex.raw('SELECT pg_advisory_lock(?)', [MIGRATION_LOCK_KEY]).connection(lock);
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await knex.raw('SELECT pg_advisory_unlock(?)', [MIGRATION_LOCK_KEY]).connection(lock);
    await knex.client.releaseConnection(lock);
  }
}
