import type { Client } from '@temporalio/client';
import type { FastifyServerOptions } from 'fastify';
import { buildApp, type App } from '../../api/app';
import { loadConfig, type Config } from '../../config';
import { PROCESS_REGISTRY } from '../../processes/registry';
import { ensureProcessRows } from '../../processes/process-rows';
import { silentLogger } from '../../platform/logger';
import type { Tracing } from '../../platform/tracing';
import { createTestDatabase, type TestDatabase } from '../helpers/database';
import { connectTestTemporal, deleteTestSchedules, type TestTemporal } from '../helpers/temporal';

export const TEST_TOKEN = 'test-token-0123456789abcdef';
export const AUTH = { authorization: `Bearer ${TEST_TOKEN}` };
/** What every write sends: the token and `Content-Type: application/json`, body or not (else 415). */
export const WRITE = { ...AUTH, 'content-type': 'application/json' };

export interface TestApi {
  readonly app: App;
  readonly db: TestDatabase;
  readonly temporal: TestTemporal;
  readonly config: Config;
  close(): Promise<void>;
}

/**
 * The API on a database and task queue of this test file's own, with the registry's processes
 * created as the worker would. `client` swaps in another Temporal client (e.g. one that fails).
 */
export async function buildTestApi(
  options: {
    client?: (real: Client) => Client;
    env?: Record<string, string>;
    server?: FastifyServerOptions;
    tracing?: Tracing;
  } = {},
): Promise<TestApi> {
  const [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  const config = loadConfig(
    {
      TEMPORAL_TASK_QUEUE: temporal.taskQueue,
      BEHFLOW_TIMEZONE: 'Asia/Tehran',
      API_TOKEN: TEST_TOKEN,
      ...options.env,
    },
    PROCESS_REGISTRY,
  );
  await ensureProcessRows(db.orm, PROCESS_REGISTRY, config, silentLogger);
  const client = options.client ? options.client(temporal.client) : temporal.client;
  const app = await buildApp(
    { orm: db.orm, client, config, registry: PROCESS_REGISTRY, tracing: options.tracing },
    {
      logger: false,
      ...options.server,
    },
  );
  await app.ready();
  return {
    app,
    db,
    temporal,
    config,
    async close() {
      await app.close();
      await deleteTestSchedules(temporal);
      await temporal.close();
      await db.drop();
    },
  };
}
