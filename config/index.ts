import path from 'node:path';
import { DEFAULT_MAX_CONCURRENT_RUNS } from './concurrency';
import { ConfigError } from './errors';
import { readProcessSchedules, type ScheduleDeclaration } from './process-schedules';
import type { Schedule } from './schedule';
import { temporalConnectionSettings, type TemporalConnectionSettings } from './temporal-connection';
import {
  booleanWithDefault,
  Env,
  hostPort,
  integerInRange,
  optionalString,
  secret,
  stringWithDefault,
  timeZone,
  url,
} from './parse';

export { ConfigError };
export type { TemporalConnectionSettings };

export { processScheduleVariables, type ScheduleDeclaration } from './process-schedules';

/** The settings every entry point uses: where the servers are, the processes' schedules, logging, tracing. */
export interface SharedConfig extends TemporalConnectionSettings {
  /** Unset means the dev stack starts an embedded PostgreSQL. */
  readonly databaseUrl: string | undefined;
  /** Unset means the dev stack starts `temporal server start-dev`. */
  readonly temporalAddress: string | undefined;
  readonly temporalNamespace: string;
  readonly taskQueue: string;
  readonly temporalUiUrl: string;
  readonly timezone: string;
  /**
   * The schedule each registered process starts with, by process name, from its registry entry and
   * PROCESS_<NAME>_HOUR / _MINUTE / _TIMEZONE (or the older names the entry declares).
   */
  readonly processSchedules: Readonly<Record<string, Schedule>>;
  readonly catchupWindowMinutes: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP, the base URL; traces go to its /v1/traces). Unset: no tracing. */
  readonly otlpEndpoint: string | undefined;
  /** OTEL_SERVICE_NAME; unset: each entry point's own (behflow-processes-api, -worker). */
  readonly otelServiceName: string | undefined;
}

/** The worker's own: how it runs the processes. */
export interface WorkerSettings {
  readonly batchSize: number;
  /** Runs in progress at once across every process (MAX_CONCURRENT_RUNS); more wait, shown as pending. */
  readonly maxConcurrentRuns: number;
  /** Where email notifications are sent through (smtp: or smtps:); unset: email channels fail visibly. Never logged. */
  readonly smtpUrl: string | undefined;
  /** The From of notification emails. */
  readonly notifyFrom: string;
  /** The API's address as people reach it, for the links in notifications. */
  readonly apiPublicUrl: string;
  /**
   * WORKER_METRICS_PORT: where the Temporal SDK's Prometheus exporter serves the worker's metrics
   * (http://0.0.0.0:<port>/metrics, no auth: keep the port on a private network). Unset: no exporter.
   */
  readonly workerMetricsPort: number | undefined;
}

/** The HTTP API's own. */
export interface ApiSettings {
  readonly apiHost: string;
  readonly apiPort: number;
  /** Unset: the API listens on loopback only. Never logged. */
  readonly apiToken: string | undefined;
  /**
   * API_TRUST_PROXY: the API is reached through a proxy that terminates TLS and sets X-Forwarded-*,
   * so a request's protocol (the console's Secure cookie) and address (its sign-in rate limit) are the
   * proxy's headers. Off by default: without a proxy, anyone could claim https or another address.
   */
  readonly apiTrustProxy: boolean;
  /**
   * METRICS_TOKEN: a bearer token GET /metrics accepts besides API_TOKEN, so a Prometheus server can
   * scrape without the token that changes processes. Never logged.
   */
  readonly metricsToken: string | undefined;
  /**
   * RELOAD_WAIT_SECONDS: how long an API write waits for a reload of the schedules (a worker starting,
   * `npm run schedules:reload`) before it answers 503 SCHEDULES_RELOADING.
   */
  readonly reloadWaitMs: number;
}

/** The dev stack's own (npm start, npm test): the servers it starts when no address is set. */
export interface DevStackSettings {
  readonly temporalCliPath: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly temporalDevPort: number;
  readonly temporalUiPort: number;
}

/** Every setting: what npm start (which runs them all) and the tests use. */
export interface Config extends SharedConfig, WorkerSettings, ApiSettings, DevStackSettings {}

interface PartSettings {
  readonly worker: WorkerSettings;
  readonly api: ApiSettings;
  readonly 'dev-stack': DevStackSettings;
}

/** An entry point's part of the service; each validates only the settings of the parts it runs. */
export type ConfigPart = keyof PartSettings;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The settings of these parts, with the shared ones. */
export type ConfigOf<P extends ConfigPart> = SharedConfig & UnionToIntersection<PartSettings[P]>;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Reads and validates, once, the shared settings and those of `parts` (all of them when omitted);
 * a bad value stops startup with an error naming the variable. A part's settings are not even read
 * for an entry point that does not run it: the worker serves no HTTP, so API_TOKEN is not its concern.
 * `processes` (the registry) declares the processes whose schedule variables are read.
 */
export function loadConfig(env: Env, processes: readonly ScheduleDeclaration[]): Config;
export function loadConfig<P extends ConfigPart>(
  env: Env,
  processes: readonly ScheduleDeclaration[],
  parts: readonly P[],
): ConfigOf<P>;
export function loadConfig(
  env: Env,
  processes: readonly ScheduleDeclaration[],
  parts: readonly ConfigPart[] = ['worker', 'api', 'dev-stack'],
): SharedConfig & Partial<Config> {
  const timezone = timeZone(env, 'BEHFLOW_TIMEZONE', 'Asia/Tehran');
  const logLevel = stringWithDefault(env, 'LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`, logLevel);
  }
  const temporalUiUrl = url(env, 'TEMPORAL_UI_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  const devStack = parts.includes('dev-stack') ? devStackSettings(env) : undefined;
  const shared: SharedConfig = {
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    temporalAddress: hostPort(env, 'TEMPORAL_ADDRESS'),
    temporalNamespace: stringWithDefault(env, 'TEMPORAL_NAMESPACE', 'default'),
    ...temporalConnectionSettings(env),
    taskQueue: stringWithDefault(env, 'TEMPORAL_TASK_QUEUE', 'behflow-processes'),
    // Unset: the links point at the dev stack's UI, so TEMPORAL_UI_PORT is used (and checked) then.
    temporalUiUrl: temporalUiUrl ?? `http://localhost:${uiPort(env)}`,
    timezone,
    processSchedules: readProcessSchedules(env, processes, timezone),
    catchupWindowMinutes: integerInRange(env, 'SCHEDULE_CATCHUP_WINDOW_MINUTES', 240, 1, 7 * 24 * 60),
    logLevel: logLevel as Config['logLevel'],
    otlpEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'])?.replace(/\/+$/, ''),
    otelServiceName: optionalString(env, 'OTEL_SERVICE_NAME'),
  };
  return {
    ...shared,
    ...(parts.includes('worker') ? workerSettings(env) : {}),
    ...(parts.includes('api') ? apiSettings(env) : {}),
    ...devStack,
  };
}

const TEMPORAL_UI_PORT_DEFAULT = 8233;

function uiPort(env: Env): number {
  return integerInRange(env, 'TEMPORAL_UI_PORT', TEMPORAL_UI_PORT_DEFAULT, 1, 65535);
}

function workerSettings(env: Env): WorkerSettings {
  const apiPublicUrl = url(env, 'API_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');
  return {
    batchSize: integerInRange(env, 'RESCHEDULE_BATCH_SIZE', 1000, 1, 100_000),
    maxConcurrentRuns: integerInRange(env, 'MAX_CONCURRENT_RUNS', DEFAULT_MAX_CONCURRENT_RUNS, 1, 1000),
    smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']),
    notifyFrom: stringWithDefault(env, 'NOTIFY_FROM', 'behflow-processes@localhost'),
    // Not API_PORT: the worker reads none of the API's settings (the API may well run elsewhere).
    apiPublicUrl: apiPublicUrl ?? 'http://localhost:3000',
    workerMetricsPort:
      optionalString(env, 'WORKER_METRICS_PORT') === undefined
        ? undefined
        : integerInRange(env, 'WORKER_METRICS_PORT', 0, 1, 65535),
  };
}

function apiSettings(env: Env): ApiSettings {
  return {
    apiHost: stringWithDefault(env, 'API_HOST', '127.0.0.1'),
    apiPort: integerInRange(env, 'API_PORT', 3000, 1, 65535),
    apiToken: secret(env, 'API_TOKEN', 16),
    apiTrustProxy: booleanWithDefault(env, 'API_TRUST_PROXY', false),
    metricsToken: secret(env, 'METRICS_TOKEN', 16),
    reloadWaitMs: integerInRange(env, 'RELOAD_WAIT_SECONDS', 5, 1, 300) * 1000,
  };
}

function devStackSettings(env: Env): DevStackSettings {
  return {
    temporalCliPath: optionalString(env, 'TEMPORAL_CLI_PATH'),
    dataDir: path.resolve(stringWithDefault(env, 'DATA_DIR', '.data')),
    embeddedPostgresPort: integerInRange(env, 'EMBEDDED_POSTGRES_PORT', 54329, 1, 65535),
    temporalDevPort: integerInRange(env, 'TEMPORAL_DEV_PORT', 7233, 1, 65535),
    temporalUiPort: uiPort(env),
  };
}
