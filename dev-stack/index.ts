import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config';
import { getFreePort, isPortFree, LOOPBACK, preferredOrFreePort } from './ports';
import { stopGroup, stopLeftover, writePidFile } from './processes';
import { locateTemporalCli } from './temporal-cli';
import { APP_DATABASE, defaultLog as log, HOST_READY, POSTGRES_PASSWORD, type HostSpec } from './types';

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
 * persistent (`npm start`): data in DATA_DIR survives restarts and the usual ports are used; the caller
 * holds lockDataDir, which makes servers recorded there leftovers of a crashed run, ours to stop.
 * ephemeral (`npm test`): fresh temp data and free ports, so it can run next to `npm start`.
 * Aborting `signal` (Ctrl-C during startup) stops what has started and rejects.
 */
export async function startStack(
  config: Config,
  options: { readonly mode: 'persistent' | 'ephemeral'; readonly signal?: AbortSignal },
): Promise<Stack> {
  const ephemeral = options.mode === 'ephemeral';
  const configured = { databaseUrl: config.databaseUrl ?? '', temporalAddress: config.temporalAddress ?? '' };
  if (config.databaseUrl !== undefined && config.temporalAddress !== undefined)
    return { ...configured, temporalUiUrl: config.temporalUiUrl, crashed: new Promise(() => {}), stop: async () => {} };
  // Find (or build) the CLI before starting PostgreSQL, so a missing CLI fails fast and alone.
  const cliPath = config.temporalAddress === undefined ? await locateTemporalCli(config, { log }) : undefined;
  const pidFile = path.join(config.dataDir, 'servers.pid');
  if (!ephemeral) await stopLeftover(pidFile, 'the servers', log);
  const dir = ephemeral ? makeTempDir('behflow-dev-stack-') : config.dataDir;
  fs.mkdirSync(dir, { recursive: true });
  try {
    const spec: HostSpec = {
      dir,
      ephemeral,
      ...(config.databaseUrl === undefined && {
        postgres: { port: ephemeral ? await getFreePort() : await preferredPostgresPort(config) },
      }),
      ...(cliPath !== undefined && {
        temporal: {
          cliPath,
          namespace: config.temporalNamespace,
          ...(ephemeral ? { port: await getFreePort() } : await fixedTemporalPorts(config)),
        },
      }),
    };
    const host = await startServers(spec, { signal: options.signal });
    if (!ephemeral) writePidFile(pidFile, host.pid, dir);
    return {
      databaseUrl: host.databaseUrl ?? configured.databaseUrl,
      temporalAddress: host.temporalAddress ?? configured.temporalAddress,
      temporalUiUrl: cliPath ? host.temporalUiUrl : config.temporalUiUrl,
      crashed: host.crashed,
      stop: async () => {
        await host.stop();
        if (!ephemeral) fs.rmSync(pidFile, { force: true });
      },
    };
  } catch (error) {
    if (ephemeral) fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A temp folder that PostgreSQL, run as the `postgres` user when we are root, can enter. */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

async function preferredPostgresPort({ embeddedPostgresPort: preferred }: Config): Promise<number> {
  const { port, substituted } = await preferredOrFreePort(preferred);
  if (substituted)
    log(`Port ${preferred} is taken, so PostgreSQL uses port ${port} (set EMBEDDED_POSTGRES_PORT to choose).`);
  return port;
}

/** Persistent mode keeps the well-known ports (bookmarks, the worker's defaults); taken means a clear error. */
async function fixedTemporalPorts(config: Config): Promise<{ port: number; uiPort: number }> {
  const ports = { TEMPORAL_DEV_PORT: config.temporalDevPort, TEMPORAL_UI_PORT: config.temporalUiPort };
  for (const [variable, port] of Object.entries(ports)) {
    if (await isPortFree(port)) continue;
    throw new Error(
      `Port ${port} (${variable}) is already in use on ${LOOPBACK}. Stop whatever uses it, set ${variable} to a free ` +
        `port, or set TEMPORAL_ADDRESS to use a Temporal server that is already running.`,
    );
  }
  return { port: ports.TEMPORAL_DEV_PORT, uiPort: ports.TEMPORAL_UI_PORT };
}

/** Runs the servers of `spec` in a server host (host.ts); resolves once they are all ready. */
export async function startServers(spec: HostSpec, options: { signal?: AbortSignal; quiet?: boolean } = {}) {
  options.signal?.throwIfAborted();
  const script = path.join(__dirname, 'host.ts');
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', options.quiet ? 'ignore' : 'inherit'],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not run ${script} with tsx.`);
  let said = ''; // HOST_READY, then why it failed
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  const ready = new Promise<boolean>((resolve) => {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      if ((said += chunk).startsWith(HOST_READY)) resolve(true);
    });
    void closed.then(() => resolve(false));
  });
  const failure = async () =>
    new Error(said.replace(HOST_READY, '').trim() || `The server host exited (code ${await closed}).`);
  let stopped: Promise<void> | undefined;
  // Closing its stdin asks the host to stop its servers in order; SIGKILL is the last resort.
  const stop = () => {
    child.stdin?.end();
    return (stopped ??= stopGroup(pid, 0, 60_000));
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort);
  const isReady = await ready;
  options.signal?.removeEventListener('abort', onAbort);
  if (!isReady) {
    const error: unknown = options.signal?.aborted ? options.signal.reason : await failure();
    await stop();
    throw error;
  }
  const { postgres, temporal } = spec;
  return {
    /** Of the host, which leads the process group its servers are in. */
    pid,
    databaseUrl: postgres && `postgres://postgres:${POSTGRES_PASSWORD}@${LOOPBACK}:${postgres.port}/${APP_DATABASE}`,
    temporalAddress: temporal && `${LOOPBACK}:${temporal.port}`,
    temporalUiUrl: temporal?.uiPort === undefined ? undefined : `http://localhost:${temporal.uiPort}`,
    /** Settles only if a server dies before stop(). */
    crashed: closed.then(() => (stopped ? new Promise<Error>(() => {}) : failure())),
    stop,
  };
}
