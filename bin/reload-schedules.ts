import { ConfigError, loadConfig } from '../config';
import { loadEnvFiles } from '../config/env-files';
import { createLogger } from '../platform/logger';
import { openServices, syncProcessesAndSchedules } from '../platform/services';

/** `npm run schedules:reload`: the seed's reload_schedules, on demand. */
async function run(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig();
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
