import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../config';
import { BehflowSchemaError, checkBehflowSchema } from '../db/behflow-schema';
import { loadEnvFiles } from '../config/env-files';
import { PROCESS_REGISTRY } from '../processes/registry';
import { createLogger } from '../platform/logger';
import { openServicesWhenReachable } from '../platform/services';
import { syncProcessesAndSchedules } from '../temporal/reconcile';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { startTracing } from '../platform/tracing';
import { chainSettings, createProcessWorker } from '../worker/create-worker';
import { followEvents } from '../worker/event-listener';
import { FOLLOW_ROWS_INTERVAL_MS, followRows, rowTimes } from '../worker/follow-rows';
import { startPendingChains } from '../worker/chain-sweep';
import { startPendingDeliveries } from '../worker/notification-sweep';
import { refreshSchedulesPeriodically } from '../worker/schedule-refresh';
import { workerTelemetry } from '../worker/metrics';

/**
 * The worker: migrates, reconciles schedules with the database, then runs workflows and activities,
 * reconciling again once a day so each schedule's calendar reaches over a year ahead.
 */
async function run(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig(process.env, PROCESS_REGISTRY, ['worker']);
  const logger = createLogger(config.logLevel);
  // The SDK's own INFO lines (webpack stats, state changes) drown ours; show them only when debugging.
  Runtime.install({
    logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN'),
    telemetryOptions: workerTelemetry(config.workerMetricsPort),
  });
  if (config.workerMetricsPort !== undefined) {
    logger.info(`Temporal SDK metrics: http://0.0.0.0:${config.workerMetricsPort}/metrics`);
  }
  const tracing = startTracing(config, 'worker');
  if (tracing) logger.info('Tracing on: spans go to OTEL_EXPORTER_OTLP_ENDPOINT');
  const services = await openServicesWhenReachable(config, logger, tracing);
  logger.info(await checkBehflowSchema(services.orm));
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
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
      maxConcurrentRuns: config.maxConcurrentRuns,
      defaultTimezone: config.timezone,
      notifications: {
        temporalUiUrl: config.temporalUiUrl,
        temporalNamespace: config.temporalNamespace,
        apiPublicUrl: config.apiPublicUrl,
        smtpUrl: config.smtpUrl,
        notifyFrom: config.notifyFrom,
      },
      tracing,
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
    await tracing?.shutdown();
  }
}

run().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
  else if (err instanceof BehflowSchemaError) console.error(`Database error: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
