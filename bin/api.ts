/**
 * npm run api: the HTTP API on API_HOST:API_PORT (npm start runs it next to the worker). Opens
 * PostgreSQL (migrated) and Temporal like the worker, then serves until SIGINT or SIGTERM, when it
 * finishes the requests in flight and closes its connections.
 */
import { buildServer, listenAddress, publicUrl } from '../api/server';
import type { App } from '../api/app';
import { ConfigError, loadConfig } from '../config';
import { loadEnvFiles } from '../config/env-files';
import { PROCESS_REGISTRY } from '../processes/registry';
import { createLogger, type Logger } from '../platform/logger';
import { openServicesWhenReachable, type Services } from '../platform/services';
import { startTracing, type Tracing } from '../platform/tracing';

/** How long in-flight requests get at shutdown before the process exits anyway (npm start waits 30 s). */
const CLOSE_GRACE_MS = 15_000;

async function main(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig(process.env, PROCESS_REGISTRY, ['api']);
  const logger = createLogger(config.logLevel);
  const { host, open } = listenAddress(config);
  if (open) {
    logger.warn(
      'API_TOKEN is not set: listening on loopback only, without authentication' +
        (host === config.apiHost ? '' : ` (API_HOST=${config.apiHost} ignored)`),
    );
  }

  const tracing = startTracing(config, 'api');
  if (tracing) logger.info('Tracing on: spans go to OTEL_EXPORTER_OTLP_ENDPOINT');
  const services = await openServicesWhenReachable(config, logger, tracing);
  let app: App;
  try {
    app = await buildServer({
      orm: services.orm,
      client: services.client,
      config,
      registry: PROCESS_REGISTRY,
      tracing,
    });
    await app.listen({ host, port: config.apiPort });
  } catch (err) {
    await services.close().catch(() => undefined);
    if ((err as { code?: unknown }).code === 'EADDRINUSE') {
      throw new Error(
        `API_PORT ${config.apiPort} on ${host} is taken: set API_PORT to a free port, or stop the other server.`,
      );
    }
    throw err;
  }
  logger.info(`API: ${publicUrl(host, config.apiPort)} (docs: ${publicUrl(host, config.apiPort)}/docs)`);
  stopOnSignals(app, services, tracing, logger);
}

function stopOnSignals(app: App, services: Services, tracing: Tracing | undefined, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received, stopping the API…`);
    const force = setTimeout(() => {
      logger.error(`The API did not stop within ${CLOSE_GRACE_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, CLOSE_GRACE_MS);
    force.unref();
    app
      .close()
      .then(() => services.close())
      // The spans of the last requests still buffered.
      .then(() => tracing?.shutdown())
      .then(
        () => {
          clearTimeout(force);
          logger.info('API stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error(`Stopping the API failed: ${err instanceof Error ? err.message : String(err)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(
    err instanceof ConfigError
      ? `Configuration error: ${err.message}`
      : err instanceof Error && /^(API_PORT|DATABASE_URL|TEMPORAL_ADDRESS) /.test(err.message)
        ? err.message
        : err,
  );
  process.exit(1);
});
