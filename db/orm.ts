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

/** Arbitrary but fixed keys of the advisory locks that serialise what several workers starting at once do. */
export const LOCK_KEYS = { migrations: 7_316_402_113, processRows: 7_316_402_114 } as const;

/**
 * Runs `work` while holding a session advisory lock, taken on a connection of its own (so the pool
 * needs 2+): another process asking for the same key waits until `work` is done.
 */
export async function withAdvisoryLock<T>(orm: Orm, key: number, work: () => Promise<T>): Promise<T> {
  const knex = orm.em.getConnection().getKnex();
  const lock = await knex.client.acquireConnection();
  try {
    await knex.raw('SELECT pg_advisory_lock(?)', [key]).connection(lock);
    try {
      return await work();
    } finally {
      await knex.raw('SELECT pg_advisory_unlock(?)', [key]).connection(lock);
    }
  } finally {
    await knex.client.releaseConnection(lock);
  }
}

/** Applies pending migrations, one process at a time. */
export async function migrate(orm: Orm): Promise<string[]> {
  return withAdvisoryLock(orm, LOCK_KEYS.migrations, async () => {
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  });
}
