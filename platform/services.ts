import type { Client } from '@temporalio/client';
import type { SharedConfig } from '../config';
import { initORM, migrate, type Orm } from '../db/orm';
import { unreachableServer } from './connection-failures';
import type { Logger } from './logger';
import { connectClient, ensureSearchAttributes, requireSetting } from './temporal';
import type { Tracing } from './tracing';

export interface Services {
  readonly orm: Orm;
  readonly client: Client;
  close(): Promise<void>;
}

/** Opens PostgreSQL (migrated) and Temporal; shared by the worker and the reload command. */
export async function openServices(config: SharedConfig, logger: Logger, tracing?: Tracing): Promise<Services> {
  const orm = await initORM(requireSetting(config.databaseUrl, 'DATABASE_URL'));
  try {
    const applied = await migrate(orm);
    if (applied.length > 0) logger.info(`Applied migrations: ${applied.join(', ')}`);
    await warnIfOldPostgres(orm, logger);
    const client = await connectClient(config, tracing);
    await ensureSearchAttributes(client);
    return {
      orm,
      client,
      async close() {
        await client.connection.close();
        await orm.close();
      },
    };
  } catch (err) {
    await orm.close();
    throw err;
  }
}

/**
 * openServices, but while PostgreSQL or Temporal cannot be reached it says so and tries again (1 s,
 * doubling up to 15 s): after a reboot, or in a compose stack, servers come up in any order. Any
 * other error (a wrong password, a bad setting) still stops the start at once.
 */
export async function openServicesWhenReachable(
  config: SharedConfig,
  logger: Logger,
  tracing?: Tracing,
): Promise<Services> {
  for (let delayMs = 1_000; ; delayMs = Math.min(delayMs * 2, 15_000)) {
    try {
      return await openServices(config, logger, tracing);
    } catch (err) {
      const server = unreachableServer(err);
      if (!server) throw err;
      const setting = server === 'PostgreSQL' ? 'DATABASE_URL' : 'TEMPORAL_ADDRESS';
      logger.warn(`Waiting for ${server} (${setting}): ${(err as Error).message}; trying again in ${delayMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** PostgreSQL 14 added TID range scans, which the reschedule batches walk the table with. */
const TID_RANGE_SCANS_SINCE = 140_000;

async function warnIfOldPostgres(orm: Orm, logger: Logger): Promise<void> {
  const rows = await orm.em.getConnection().execute<{ server_version_num: string }[]>('SHOW server_version_num');
  const version = Number(rows[0]?.server_version_num ?? 0);
  if (version < TID_RANGE_SCANS_SINCE) {
    logger.warn(
      `PostgreSQL ${version} is older than 14: each reschedule batch scans the whole tasks table, ` +
        'so large runs are slow (they stay correct). PostgreSQL 14 or later is recommended.',
    );
  }
}
