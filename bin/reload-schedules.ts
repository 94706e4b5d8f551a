import { ConfigError, loadConfig } from '../config';
import { loadEnvFiles } from '../config/env-files';
import { PROCESS_REGISTRY } from '../processes/registry';
import { createLogger } from '../platform/logger';
import { openServices } from '../platform/services';
import { syncProcessesAndSchedules } from '../temporal/reconcile';

/** `npm run schedules:reload`: the seed's reload_schedules, on demand. */
async function run(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig(process.env, PROCESS_REGISTRY, []);
  const logger = createLogger(config.logLevel);
  const services = await openServices(config, logger);
  try {
    const report = await syncProcessesAndSchedules(services, config, logger);
    logger.info('Reload finished', { ...report });
  } finally {
    await services.close();
  }
}

run().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `Configuration error: ${err.message}` : err);
  process.exit(1);
});
