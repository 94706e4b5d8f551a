import path from 'node:path';
import { ConfigError } from './errors';
import { readProcessSchedules, type ScheduleDeclaration } from './process-schedules';
import type { Schedule } from './schedule';
import { Env, hostPort, integerInRange, optionalString, secret, stringWithDefault, timeZone, url } from './parse';

export { ConfigError };

export { processScheduleVariables, type ScheduleDeclaration } from './process-schedules';

export interface Config {
  /** Unset means the dev stack starts an embedded PostgreSQL. */
  readonly databaseUrl: string | undefined;
  /** Unset means the dev stack starts `temporal server start-dev`. */
  readonly temporalAddress: string | undefined;
  readonly temporalNamespace: string;
  readonly taskQueue: string;
  readonly temporalUiUrl: string;
  readonly temporalCliPath: string | undefined;
  readonly dataDir: string;
  readonly embeddedPostgresPort: number;
  readonly temporalDevPort: number;
  readonly temporalUiPort: number;
  readonly timezone: string;
  /**
   * The schedule each registered process starts with, by process name, from its registry entry and
   * PROCESS_<NAME>_HOUR / _MINUTE / _TIMEZONE (or the older names the entry declares).
   */
  readonly processSchedules: Readonly<Record<string, Schedule>>;
  readonly catchupWindowMinutes: number;
  readonly batchSize: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly apiHost: string;
  readonly apiPort: number;
  /** Unset: the API listens on loopback only. Never logged. */
  readonly apiToken: string | undefined;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * Reads and validates every setting once; a bad value stops startup with an error naming the variable.
 * `processes` (the registry) declares the processes whose schedule variables are read.
 */
export function loadConfig(env: Env, processes: readonly ScheduleDeclaration[]): Config {
  const timezone = timeZone(env, 'BEHFLOW_TIMEZONE', 'Asia/Tehran');
  const temporalUiPort = integerInRange(env, 'TEMPORAL_UI_PORT', 8233, 1, 65535);
  const logLevel = stringWithDefault(env, 'LOG_LEVEL', 'info');
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`, logLevel);
  }
  return {
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    temporalAddress: hostPort(env, 'TEMPORAL_ADDRESS'),
    temporalNamespace: stringWithDefault(env, 'TEMPORAL_NAMESPACE', 'default'),
    taskQueue: stringWithDefault(env, 'TEMPORAL_TASK_QUEUE', 'behflow-processes'),
    temporalUiUrl:
      url(env, 'TEMPORAL_UI_URL', ['http:', 'https:'])?.replace(/\/+$/, '') ?? `http://localhost:${temporalUiPort}`,
    temporalCliPath: optionalString(env, 'TEMPORAL_CLI_PATH'),
    dataDir: path.resolve(stringWithDefault(env, 'DATA_DIR', '.data')),
    embeddedPostgresPort: integerInRange(env, 'EMBEDDED_POSTGRES_PORT', 54329, 1, 65535),
    temporalDevPort: integerInRange(env, 'TEMPORAL_DEV_PORT', 7233, 1, 65535),
    temporalUiPort,
    timezone,
    processSchedules: readProcessSchedules(env, processes, timezone),
    catchupWindowMinutes: integerInRange(env, 'SCHEDULE_CATCHUP_WINDOW_MINUTES', 240, 1, 7 * 24 * 60),
    batchSize: integerInRange(env, 'RESCHEDULE_BATCH_SIZE', 1000, 1, 100_000),
    logLevel: logLevel as Config['logLevel'],
    apiHost: stringWithDefault(env, 'API_HOST', '127.0.0.1'),
    apiPort: integerInRange(env, 'API_PORT', 3000, 1, 65535),
    apiToken: secret(env, 'API_TOKEN', 16),
  };
}
