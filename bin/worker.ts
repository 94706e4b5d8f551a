import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config';
import { BehflowSchemaError, checkBehflowSchema } from '../db/behflow-schema';
import { loadEnvFiles } from '../config/env-files';
import { PROCESS_REGISTRY } from '../processes/registry';
import { createLogger } from '../platform/logger';
import { openServicesWhenReachable } from '../platform/services';
import { syncProcessesAndSchedules } from '../temporal/reconcile';
import { requireSetting } from '../platform/temporal';
import { chainSettings, createProcessWorker } from '../worker/create-worker';
import { followEvents } from '../worker/event-listener';
import { FOLLOW_ROWS_INTERVAL_MS, followRows, rowTimes } from '../worker/follow-rows';
import { startPendingChains } from '../worker/chain-sweep';
import { startPendingDeliveries } from '../worker/notification-sweep';
import { refreshSchedulesPeriodically } from '../worker/schedule-refresh';

/**
 * The worker: migrates, reconciles schedules with the database, then runs workflows and activities,
 * reconciling again once a day so each schedule's calendar reaches over a year ahead.
 */
async function run(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig(process.env, PROCESS_REGISTRY, ['worker']);
  const logger = createLogger(config.logLevel);
  // The SDK's own INFO lines (webpack stats, state changes) drown ours; show them only when debugging.
  Runtime.install({ logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN') });
  const services = await openServicesWhenReachable(config, logger);
  logger.info(await checkBehflowSchema(services.orm));
  const connection = await NativeConnection.connect({
    address: requireSetting(config.temporalAddress, 'TEMPORAL_ADDRESS'),
  });
  try {
    await syncProcessesAndSchedules(services, config, logger);
    const seen = await rowTimes(services);
    const worker = await createProcessWorker({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      orm: services.orm,
      client: services.client,
      batchSize: config.batchSize,
      defaultTimezone: config.timezone,
      notifications: {
        temporalUiUrl: config.temporalUiUrl,
        temporalNamespace: config.temporalNamespace,
        apiPublicUrl: config.apiPublicUrl,
        smtpUrl: config.smtpUrl,
        notifyFrom: config.notifyFrom,
      },
    });
    logger.info(`Automated process worker started on task queue "${config.taskQueue}"`);
    logger.info(`Temporal Web UI: ${config.temporalUiUrl}/namespaces/${config.temporalNamespace}/schedules`);
    const stopRefreshing = refreshSchedulesPeriodically(
      // The outbox's safety net first: a failing reconcile must not hold notifications back.
      async () => {
        await startPendingDeliveries(services, config.taskQueue, logger);
        await startPendingChains(services, chainSettings(PROCESS_REGISTRY, config.taskQueue), logger);
        await followRows(services, config, logger, seen);
      },
      logger,
      FOLLOW_ROWS_INTERVAL_MS,
    );
    // The events outbox: NOTIFY brings each new row at once, a sweep any left (inserted while no worker ran).
    const events = followEvents(
      { orm: services.orm, client: services.client, registry: PROCESS_REGISTRY, taskQueue: config.taskQueue },
      logger,
    );
    try {
      await worker.run();
    } finally {
      await events.stop();
      await stopRefreshing();
    }
    logger.info('Automated process worker stopped');
  } finally {
    await connection.close();
    await services.close();
  }
}

run().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
  else if (err instanceof BehflowSchemaError) console.error(`Database error: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
