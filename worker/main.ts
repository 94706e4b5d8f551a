import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { ConfigError, loadConfig } from '../config';
import { loadEnvFiles } from '../config/env-files';
import { createLogger } from './logger';
import { openServicesWhenReachable, syncProcessesAndSchedules } from './services';
import { requireSetting } from './temporal';

/** The worker: migrates, reconciles schedules with the database, then runs workflows and activities. */
async function run(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // The SDK's own INFO lines (webpack stats, state changes) drown ours; show them only when debugging.
  Runtime.install({ logger: new DefaultLogger(config.logLevel === 'debug' ? 'DEBUG' : 'WARN') });
  const services = await openServicesWhenReachable(config, logger);
  const connection = await NativeConnection.connect({
    address: requireSetting(config.temporalAddress, 'TEMPORAL_ADDRESS'),
  });
  try {
    await syncProcessesAndSchedules(services, config, logger);
    const worker = await Worker.create({
      connection,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: createActivities({
        orm: services.orm,
        temporal: services.client,
        batchSize: config.batchSize,
        defaultTimezone: config.timezone,
      }),
      // SIGINT and SIGTERM start a graceful shutdown (the SDK's default signals); running activities get this long.
      shutdownGraceTime: '20 seconds',
    });
    logger.info(`Automated process worker started on task queue "${config.taskQueue}"`);
    logger.info(`Temporal Web UI: ${config.temporalUiUrl}/namespaces/${config.temporalNamespace}/schedules`);
    await worker.run();
    logger.info('Automated process worker stopped');
  } finally {
    await connection.close();
    await services.close();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
