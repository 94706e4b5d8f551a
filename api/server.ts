/**
 * npm run api: the HTTP API on API_HOST:API_PORT (npm start runs it next to the worker). Opens
 * PostgreSQL (migrated) and Temporal like the worker, then serves until SIGINT or SIGTERM, when it
 * finishes the requests in flight and closes its connections.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { LogController, type FastifyServerOptions } from 'fastify';
import { ConfigError, loadConfig, type Config } from '../config';
import { loadEnvFiles } from '../config/env-files';
import { PROCESS_REGISTRY } from '../processes/registry';
import { createLogger, type Logger } from '../worker/logger';
import { openServicesWhenReachable, type Services } from '../worker/services';
import { buildApp, type App } from './app';
import type { AppDeps } from './deps';

/**
 * Never logged: the token in the Authorization header (wherever a request's headers end up in a log
 * line), cookies, and the token in the config. The req serializer leaves headers out anyway.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
  'apiToken',
  '*.apiToken',
  '*.config.apiToken',
];

/** Health checks poll; their lines would drown the rest. */
const QUIET_PATHS = new Set(['/health', '/ready']);

/** A caller's X-Request-Id is kept when it is a plain identifier; otherwise each request gets a UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Fastify options of the real server (tests build the app with them to check what the log holds). */
export function serverOptions(
  config: Pick<Config, 'logLevel'>,
  stream?: { write(line: string): void },
): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      ...(stream === undefined ? {} : { stream }),
    },
    logController: new LogController({
      disableRequestLogging: (request) => QUIET_PATHS.has(request.url.split('?')[0] ?? ''),
    }),
    genReqId: requestId,
    // Time to receive a whole request (headers and body); slow senders are cut off, slow answers are not
    // (POST /processes/:name/trigger?wait=true waits for the run).
    requestTimeout: 30_000,
    // Closing: idle keep-alive connections go at once, requests in flight finish.
    forceCloseConnections: 'idle',
  };
}

export async function buildServer(deps: AppDeps, stream?: { write(line: string): void }): Promise<App> {
  return buildApp(deps, serverOptions(deps.config, stream));
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

/** Where to listen: API_HOST, except loopback only when there is no token to check. */
export function listenAddress(config: Pick<Config, 'apiHost' | 'apiToken'>): { host: string; open: boolean } {
  if (config.apiToken !== undefined) return { host: config.apiHost, open: false };
  return { host: LOOPBACK.test(config.apiHost) ? config.apiHost : '127.0.0.1', open: true };
}

export function publicUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/** How long in-flight requests get at shutdown before the process exits anyway (npm start waits 30 s). */
const CLOSE_GRACE_MS = 15_000;

async function main(): Promise<void> {
  loadEnvFiles();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const { host, open } = listenAddress(config);
  if (open) {
    logger.warn(
      'API_TOKEN is not set: listening on loopback only, without authentication' +
        (host === config.apiHost ? '' : ` (API_HOST=${config.apiHost} ignored)`),
    );
  }

  const services = await openServicesWhenReachable(config, logger);
  let app: App;
  try {
    app = await buildServer({ orm: services.orm, client: services.client, config, registry: PROCESS_REGISTRY });
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
  stopOnSignals(app, services, logger);
}

function stopOnSignals(app: App, services: Services, logger: Logger): void {
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

if (require.main === module) {
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
}
