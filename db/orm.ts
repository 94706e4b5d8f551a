import { MikroORM, PostgreSqlDriver, type EntityManager } from '@mikro-orm/postgresql';
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

/**
 * Arbitrary but fixed keys of the advisory locks that serialise what several workers starting at once do.
 * `schedules`: a reload of the Temporal schedules holds it alone, API writes share it (holdSharedLock).
 */
export const LOCK_KEYS = { migrations: 7_316_402_113, processRows: 7_316_402_114, schedules: 7_316_402_115 } as const;

/** PostgreSQL's lock_not_available: a lock wait ran past lock_timeout. */
export const LOCK_TIMEOUT_CODE = '55P03';

/**
 * Inside a transaction: waits at most `waitMs` for the shared side of the advisory lock `key`, held
 * until the transaction ends. The wait bound stays for the rest of the transaction, so its row locks
 * are bounded too; a wait past it fails with LOCK_TIMEOUT_CODE.
 */
export async function holdSharedLock(em: EntityManager, key: number, waitMs: number): Promise<void> {
  await em.execute(`SET LOCAL lock_timeout = '${Math.max(1, Math.round(waitMs))}ms'`);
  await em.execute('SELECT pg_advisory_xact_lock_shared(?)', [key]);
}

export function isLockTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === LOCK_TIMEOUT_CODE;
}

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
