import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../config';
import type { HostMessage, HostSpec } from './host';
import { APP_DATABASE, getFreePort, isPortFree, LOOPBACK, POSTGRES_PASSWORD, preferredOrFreePort } from './ports';
import { signalGroup, stopGroup, stopLeftover, writePidFile } from './processes';
import { locateTemporalCli } from './temporal-cli';
import { defaultLog, type Log } from './types';

/**
 * persistent: `npm start`; data in DATA_DIR survives restarts and the usual ports are used. The caller
 * holds lockDataDir, which makes servers recorded there leftovers of a crashed run, ours to stop.
 * ephemeral: `npm test`; fresh temp data and free ports, so it can run next to `npm start`.
 */
export type StackMode = 'persistent' | 'ephemeral';

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
  const ephemeral = options.mode === 'ephemeral';
  const configured = { databaseUrl: config.databaseUrl ?? '', temporalAddress: config.temporalAddress ?? '' };
  if (config.databaseUrl !== undefined && config.temporalAddress !== undefined) {
    return { ...configured, temporalUiUrl: config.temporalUiUrl, crashed: new Promise(() => {}), stop: async () => {} };
  }
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
        postgres: { port: ephemeral ? await getFreePort() : await preferredPort(config, log) },
      }),
      ...(cliPath !== undefined && {
        temporal: {
          cliPath,
          namespace: config.temporalNamespace,
          ...(ephemeral ? { port: await getFreePort() } : await temporalPorts(config)),
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

async function preferredPort(config: Config, log: Log): Promise<number> {
  const { port, substituted } = await preferredOrFreePort(config.embeddedPostgresPort);
  const preferred = config.embeddedPostgresPort;
  if (substituted)
    log(`Port ${preferred} is taken, so PostgreSQL uses port ${port} (set EMBEDDED_POSTGRES_PORT to choose).`);
  return port;
}

/** Persistent mode keeps the well-known ports (bookmarks, the worker's defaults); taken means a clear error. */
async function temporalPorts(config: Config): Promise<{ port: number; uiPort: number }> {
  for (const [port, variable, what] of [
    [config.temporalDevPort, 'TEMPORAL_DEV_PORT', 'Temporal gRPC'],
    [config.temporalUiPort, 'TEMPORAL_UI_PORT', 'Temporal Web UI'],
  ] as const) {
    if (!(await isPortFree(port))) {
      throw new Error(
        `Port ${port} (${what}) is already in use on ${LOOPBACK}. Stop whatever uses it, set ${variable} to a free port, ` +
          `or set TEMPORAL_ADDRESS to use a Temporal server that is already running.`,
      );
    }
  }
  return { port: config.temporalDevPort, uiPort: config.temporalUiPort };
}

export interface ServerHost {
  /** Of the host, which leads the process group its servers are in. */
  readonly pid: number;
  readonly databaseUrl: string | undefined;
  readonly temporalAddress: string | undefined;
  readonly temporalUiUrl: string | undefined;
  /** Settles only if a server dies before stop(). */
  readonly crashed: Promise<Error>;
  stop(): Promise<void>;
}

/** Runs the servers of `spec` in a server host (host.ts); resolves once they are all ready. */
export async function startServers(
  spec: HostSpec,
  options: { readonly signal?: AbortSignal; readonly quiet?: boolean } = {},
): Promise<ServerHost> {
  options.signal?.throwIfAborted();
  const script = path.join(__dirname, 'host.ts');
  const child = spawn(process.execPath, [require.resolve('tsx/cli'), script, JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', options.quiet ? 'ignore' : 'inherit'],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined || !child.stdout) throw new Error(`Could not run ${script} with tsx.`);
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  let stopped: Promise<void> | undefined;
  // Closing its stdin asks the host to stop its servers in order; SIGKILL is the last resort.
  const stop = () =>
    (stopped ??= (async () => {
      child.stdin?.end();
      const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
      await stopGroup(pid, 'SIGKILL', 0); // anything the host left behind
    })());
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextMessage = async (): Promise<HostMessage | undefined> => {
    for (let line = await lines.next(); !line.done; line = await lines.next()) {
      if (line.value.startsWith('{')) return JSON.parse(line.value) as HostMessage;
    }
    return undefined;
  };
  const onAbort = () => void stop();
  options.signal?.addEventListener('abort', onAbort);
  try {
    const first = await nextMessage();
    options.signal?.throwIfAborted();
    if (first === undefined || !('ready' in first)) {
      throw new Error(first && 'error' in first ? first.error : `The server host exited (code ${await exited}).`);
    }
    const crashed = (async () => {
      for (let message = await nextMessage(); message; message = await nextMessage()) {
        if ('crashed' in message) return new Error(message.crashed);
      }
      return new Error(`The server host (pid ${pid}) exited (code ${await exited}).`);
    })().then((error) => (stopped ? new Promise<Error>(() => {}) : error));
    const { postgres, temporal } = spec;
    return {
      pid,
      databaseUrl: postgres && `postgres://postgres:${POSTGRES_PASSWORD}@${LOOPBACK}:${postgres.port}/${APP_DATABASE}`,
      temporalAddress: temporal && `${LOOPBACK}:${temporal.port}`,
      temporalUiUrl: temporal?.uiPort === undefined ? undefined : `http://localhost:${temporal.uiPort}`,
      crashed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
