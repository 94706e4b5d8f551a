import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../platform/search-attributes';
import { makeEphemeralDir, serverPidFile } from './ephemeral-dirs';
import { stopLeftover, writePidFile } from './leftovers';
import { openLogFile, withLogTail } from './log-file';
import { LOOPBACK, getFreePort, isPortFree } from './ports';
import { signalOnExit, stopChild } from './processes';
import { defaultLog, type Log, type StackMode, type StartedService } from './types';
import { waitUntilReady } from './wait';

const READY_TIMEOUT_MS = 90_000;

export interface TemporalDevServerOptions {
  readonly cliPath: string;
  readonly mode: StackMode;
  /** persistent mode keeps <dataDir>/temporal.db, so schedules and history survive a restart. */
  readonly dataDir: string;
  readonly port: number;
  readonly uiPort: number;
  readonly namespace: string;
  readonly log?: Log;
  readonly signal?: AbortSignal;
}

export interface RunningTemporal extends StartedService {
  /** host:port of the frontend gRPC service. */
  readonly address: string;
  /** undefined in ephemeral mode, which runs headless. */
  readonly uiUrl: string | undefined;
  /** Settles only if the server exits without stop() being called. */
  readonly crashed: Promise<Error>;
}

export async function startTemporalDevServer(options: TemporalDevServerOptions): Promise<RunningTemporal> {
  const log = options.log ?? defaultLog;
  const started = Date.now();
  const ephemeral = options.mode === 'ephemeral';
  const root = ephemeral ? makeEphemeralDir('temporal') : options.dataDir;
  fs.mkdirSync(root, { recursive: true });
  const logFile = path.join(root, 'temporal.log');
  const pidFile = ephemeral ? serverPidFile(root) : path.join(root, 'temporal.pid');
  const dbFile = path.join(root, 'temporal.db');

  const cleanUp = () => {
    if (ephemeral) fs.rmSync(root, { recursive: true, force: true });
    else fs.rmSync(pidFile, { force: true });
  };

  let ports: { port: number; uiPort: number | undefined };
  try {
    // The data-folder lock guarantees that a server recorded here is an orphan of a killed run.
    if (!ephemeral) {
      await stopLeftover(pidFile, {
        what: 'the Temporal dev server',
        signal: 'SIGTERM',
        graceMs: 10_000,
        group: true,
        log,
      });
    }
    // A second server (npm test next to npm start) must not collide: ephemeral takes free ports and
    // no UI. The CLI itself picks free ports for its HTTP API, metrics and internal services.
    ports = ephemeral ? { port: await getFreePort(), uiPort: undefined } : await fixedPorts(options);
  } catch (error) {
    cleanUp();
    throw error;
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    LOOPBACK,
    '--port',
    String(ports.port),
    ...(ports.uiPort === undefined ? ['--headless'] : ['--ui-port', String(ports.uiPort)]),
    // Without a file the state is in memory, which is what the tests want.
    ...(ephemeral ? [] : ['--db-filename', dbFile]),
    // "default" is always created; naming it again is redundant.
    ...(options.namespace === 'default' ? [] : ['--namespace', options.namespace]),
    ...Object.entries(CUSTOM_SEARCH_ATTRIBUTES).flatMap(([name, type]) => ['--search-attribute', `${name}=${type}`]),
    '--log-level',
    'warn',
  ];
  const logFd = openLogFile(logFile);
  // detached: its own process group, so a terminal's Ctrl-C reaches only us and we choose the order.
  const child = spawn(options.cliPath, args, { detached: true, stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  writePidFile(pidFile, child.pid, args.slice(0, 6).join(' ')); // "server start-dev --ip … --port …"

  const unhookExit = signalOnExit(child, 'SIGTERM');

  let stopping = false;
  const crashed = new Promise<Error>((resolve) =>
    child.once('exit', () => {
      if (!stopping) resolve(withLogTail('The Temporal dev server exited unexpectedly', logFile));
    }),
  );
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      await stopChild(child, { signal: 'SIGTERM', graceMs: 10_000, group: true });
      unhookExit();
      cleanUp();
    })());

  const address = `${LOOPBACK}:${ports.port}`;
  let failure: Error | undefined;
  void spawnError.then((error) => (failure = new Error(`Could not run ${options.cliPath}: ${error.message}`)));
  try {
    await waitUntilReady(() => namespaceAnswers(address, options.namespace), {
      what: `The Temporal dev server on ${address}`,
      timeoutMs: READY_TIMEOUT_MS,
      intervalMs: 250,
      signal: options.signal,
      failFast: () =>
        failure ??
        (child.exitCode !== null || child.signalCode !== null
          ? withLogTail(`The Temporal dev server exited during startup (code ${child.exitCode})`, logFile)
          : undefined),
    });
  } catch (error) {
    await stop();
    throw error instanceof Error && !error.message.includes(logFile) ? withLogTail(error.message, logFile) : error;
  }

  log(`Temporal dev server ready on ${address} in ${((Date.now() - started) / 1000).toFixed(1)}s (log: ${logFile})`);
  return {
    address,
    uiUrl: ports.uiPort === undefined ? undefined : `http://localhost:${ports.uiPort}`,
    crashed,
    stop,
  };
}

/** Persistent mode keeps the well-known ports (bookmarks, the worker's defaults); taken means a clear error. */
async function fixedPorts(options: TemporalDevServerOptions): Promise<{ port: number; uiPort: number }> {
  const wanted = [
    { port: options.port, variable: 'TEMPORAL_DEV_PORT', what: 'Temporal gRPC' },
    { port: options.uiPort, variable: 'TEMPORAL_UI_PORT', what: 'Temporal Web UI' },
  ];
  for (const { port, variable, what } of wanted) {
    if (!(await isPortFree(port))) {
      throw new Error(
        `Port ${port} (${what}) is already in use on ${LOOPBACK}. Stop whatever uses it, set ${variable} to a free port, ` +
          `or set TEMPORAL_ADDRESS to use a Temporal server that is already running.`,
      );
    }
  }
  return { port: options.port, uiPort: options.uiPort };
}

/** Ready means the frontend answers for our namespace, not merely that the port is open. */
async function namespaceAnswers(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 2_000 });
  try {
    // A deadline, as the client otherwise retries an unavailable server for a long time.
    await connection.withDeadline(Date.now() + 3_000, () =>
      connection.workflowService.describeNamespace({ namespace }),
    );
  } finally {
    await connection.close();
  }
}
