import type { Config } from '../config';
import { lockDataDir } from './data-dir-lock';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres';
import { reapEphemeralLeftovers } from './ephemeral-dirs';
import { locateTemporalCli } from './temporal-cli';
import { startTemporalDevServer, type RunningTemporal } from './temporal-dev-server';
import { defaultLog, type Log, type StackMode } from './types';

export type { StackMode } from './types';

export interface StackOptions {
  readonly mode: StackMode;
  readonly log?: Log;
  /** Aborting (Ctrl-C during startup) stops what has started and rejects. */
  readonly signal?: AbortSignal;
}

export interface Stack {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
  /** undefined when nothing serves a UI we know of (the headless test server). */
  readonly temporalUiUrl: string | undefined;
  /** Settles only if a server this stack started dies before stop(). */
  readonly crashed: Promise<Error>;
  /** Temporal first, then PostgreSQL; safe to call more than once. */
  stop(): Promise<void>;
}

/**
 * PostgreSQL and Temporal for local runs: DATABASE_URL / TEMPORAL_ADDRESS when configured (nothing
 * is started for them), otherwise an embedded PostgreSQL and `temporal server start-dev`.
 */
export async function startStack(config: Config, options: StackOptions): Promise<Stack> {
  const log = options.log ?? defaultLog;
  const startPostgres = config.databaseUrl === undefined;
  const startTemporal = config.temporalAddress === undefined;
  const persistent = options.mode === 'persistent';

  const lock = persistent && (startPostgres || startTemporal) ? await lockDataDir(config.dataDir) : undefined;
  try {
    if (!persistent && (startPostgres || startTemporal)) await reapEphemeralLeftovers(log);
    // Find (or build) the CLI before starting PostgreSQL, so a missing CLI fails fast and alone.
    const cliPath = startTemporal ? await locateTemporalCli(config, { log }) : undefined;
    // Independent servers: start both at once and stop whichever came up if the other fails.
    const [postgres, temporal] = await Promise.allSettled([
      startPostgres
        ? startEmbeddedPostgres({
            mode: options.mode,
            dataDir: config.dataDir,
            port: config.embeddedPostgresPort,
            log,
            signal: options.signal,
          })
        : undefined,
      cliPath !== undefined
        ? startTemporalDevServer({
            cliPath,
            mode: options.mode,
            dataDir: config.dataDir,
            port: config.temporalDevPort,
            uiPort: config.temporalUiPort,
            namespace: config.temporalNamespace,
            log,
            signal: options.signal,
          })
        : undefined,
    ]);
    const started = { postgres: fulfilled(postgres), temporal: fulfilled(temporal) };
    const stop = once(() => stopInOrder(started.temporal, started.postgres, lock, log));
    const failures = [postgres, temporal].flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    // Aborted after both came up: nobody wants them any more.
    if (failures.length === 0 && options.signal?.aborted) failures.push(options.signal.reason);
    if (failures.length > 0) {
      await stop();
      throw combine(failures);
    }

    return {
      databaseUrl: started.postgres?.databaseUrl ?? requireDefined(config.databaseUrl),
      temporalAddress: started.temporal?.address ?? requireDefined(config.temporalAddress),
      temporalUiUrl: started.temporal ? started.temporal.uiUrl : config.temporalUiUrl,
      crashed: Promise.race([started.postgres?.crashed, started.temporal?.crashed].filter(isDefined)),
      stop,
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function stopInOrder(
  temporal: RunningTemporal | undefined,
  postgres: RunningPostgres | undefined,
  lock: { release(): void } | undefined,
  log: Log,
): Promise<void> {
  const errors: unknown[] = [];
  // Temporal before PostgreSQL: the mirror image of a stack whose callers depend on both, and the
  // order `npm start` promises (children, then Temporal, then PostgreSQL).
  for (const [name, service] of [
    ['Temporal dev server', temporal],
    ['PostgreSQL', postgres],
  ] as const) {
    if (service === undefined) continue;
    log(`Stopping ${name}…`);
    await service.stop().catch((error: unknown) => errors.push(error));
  }
  lock?.release();
  if (errors.length > 0) throw combine(errors);
}

function fulfilled<T>(result: PromiseSettledResult<T | undefined>): T | undefined {
  return result.status === 'fulfilled' ? result.value : undefined;
}

function combine(errors: unknown[]): Error {
  const [first] = errors;
  if (errors.length === 1 && first instanceof Error) return first;
  return new Error(errors.map((error) => (error instanceof Error ? error.message : String(error))).join('\n\n'));
}

function once(action: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= action());
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function requireDefined(value: string | undefined): string {
  if (value === undefined) throw new Error('unreachable: a service was neither configured nor started');
  return value;
}
