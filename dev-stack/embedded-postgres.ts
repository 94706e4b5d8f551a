import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { openLogFile, withLogTail } from './log-file';
import { LOOPBACK, getFreePort, preferredOrFreePort } from './ports';
import {
  assertRunnableAs,
  loadEmbeddedPostgres,
  loadPostgresBinaries,
  type PostgresBinaries,
} from './postgres-binaries';
import { chownTree, postgresUserIfRoot, type UserIds } from './postgres-user';
import { makeEphemeralDir, serverPidFile } from './ephemeral-dirs';
import { stopLeftover, writePidFile } from './leftovers';
import { signalOnExit, stopChild } from './processes';
import { defaultLog, type Log, type StackMode, type StartedService } from './types';
import { waitUntilReady } from './wait';

export const APP_DATABASE = 'behflow';
const USER = 'postgres';
/** A fixed local-only password: the server listens on 127.0.0.1 and holds development data. */
const PASSWORD = 'behflow-dev';
const READY_TIMEOUT_MS = 60_000;

export interface EmbeddedPostgresOptions {
  readonly mode: StackMode;
  /** persistent mode keeps the cluster in <dataDir>/postgres. */
  readonly dataDir: string;
  /** Preferred port (persistent mode); a free one is used when it is taken. */
  readonly port: number;
  readonly log?: Log;
  readonly signal?: AbortSignal;
}

export interface RunningPostgres extends StartedService {
  readonly databaseUrl: string;
  readonly port: number;
  /** Settles only if PostgreSQL exits without stop() being called. */
  readonly crashed: Promise<Error>;
}

/** The subset of node-postgres' Client we use (the package's pg types are not installed). */
interface SqlClient {
  connect(): Promise<unknown>;
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
  end(): Promise<unknown>;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const log = options.log ?? defaultLog;
  const started = Date.now();
  const binaries = await loadPostgresBinaries();
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const ids = await postgresUserIfRoot();
  assertRunnableAs(binaries, ids);

  const ephemeral = options.mode === 'ephemeral';
  // Ephemeral: the whole temp folder is ours to delete; mkdtemp makes it 0700, so hand it to postgres.
  const root = ephemeral ? makeEphemeralDir('postgres') : options.dataDir;
  fs.mkdirSync(root, { recursive: true });
  if (ephemeral && ids) fs.chownSync(root, ids.uid, ids.gid);
  const databaseDir = path.join(root, 'postgres');
  const logFile = path.join(root, 'postgres.log');

  try {
    // A postmaster.pid of a still-running orphan (our Node process was killed) blocks the start. The
    // data-folder lock guarantees no other stack uses this folder, so such a server is ours to stop.
    // A stale file (dead or reused pid) is deleted.
    if (!ephemeral) {
      await stopLeftover(path.join(databaseDir, 'postmaster.pid'), {
        what: 'PostgreSQL',
        marker: postmasterMarker(databaseDir),
        signal: 'SIGINT',
        graceMs: 15_000,
        group: false,
        log,
      });
    }
    const port = ephemeral ? await getFreePort() : await choosePort(options.port, log);
    const cluster = new EmbeddedPostgres({
      databaseDir,
      port,
      user: USER,
      password: PASSWORD,
      authMethod: 'scram-sha-256',
      persistent: !ephemeral,
      createPostgresUser: ids !== undefined,
      // UTF8 whatever the machine's locale (CI often has none, which would give SQL_ASCII).
      // --no-sync: a throwaway test cluster need not survive a power cut.
      initdbFlags: ['--encoding=UTF8', '--locale=C', ...(ephemeral ? ['--no-sync'] : [])],
      onLog: () => undefined, // initdb's chatter; its errors come back in the rejection
      onError: () => undefined,
    });

    if (!isInitialised(databaseDir)) {
      log(`Initialising PostgreSQL in ${databaseDir}`);
      await cluster.initialise();
    } else if (ids) {
      await chownTree(databaseDir, ids);
    }

    const child = spawnPostgres(binaries, databaseDir, port, ephemeral, logFile, ids);
    if (ephemeral) writePidFile(serverPidFile(root), child.pid, postmasterMarker(databaseDir));
    const unhookExit = signalOnExit(child, 'SIGINT');
    let stopping = false;
    const crashed = new Promise<Error>((resolve) =>
      child.once('exit', () => {
        if (!stopping) resolve(withLogTail('PostgreSQL exited unexpectedly', logFile));
      }),
    );

    let stopped: Promise<void> | undefined;
    const stop = () =>
      (stopped ??= (async () => {
        stopping = true;
        // SIGINT is PostgreSQL's "fast shutdown": abort sessions, checkpoint, exit.
        await stopChild(child, { signal: 'SIGINT', graceMs: 15_000, group: true });
        unhookExit();
        if (ephemeral) fs.rmSync(root, { recursive: true, force: true });
      })());

    try {
      const client = () => cluster.getPgClient('postgres', LOOPBACK) as SqlClient;
      await waitUntilReady(() => query(client(), 'SELECT 1'), {
        what: `PostgreSQL on port ${port}`,
        timeoutMs: READY_TIMEOUT_MS,
        signal: options.signal,
        failFast: () =>
          child.exitCode !== null || child.signalCode !== null
            ? withLogTail(`PostgreSQL exited during startup (code ${child.exitCode})`, logFile)
            : undefined,
      });
      await createDatabaseIfMissing(client());
    } catch (error) {
      await stop();
      throw error;
    }

    log(`PostgreSQL ready on port ${port} in ${((Date.now() - started) / 1000).toFixed(1)}s (log: ${logFile})`);
    return {
      databaseUrl: `postgres://${USER}:${PASSWORD}@${LOOPBACK}:${port}/${APP_DATABASE}`,
      port,
      crashed,
      stop,
    };
  } catch (error) {
    if (ephemeral) fs.rmSync(root, { recursive: true, force: true });
    throw error;
  }
}

function isInitialised(databaseDir: string): boolean {
  if (fs.existsSync(path.join(databaseDir, 'PG_VERSION'))) return true;
  if (fs.existsSync(databaseDir) && fs.readdirSync(databaseDir).length > 0) {
    // Never wipe a folder we did not finish creating ourselves: it may hold someone's data.
    throw new Error(
      `${databaseDir} exists but is not a PostgreSQL data folder (no PG_VERSION); an earlier initialisation ` +
        `was probably interrupted. Delete that folder to start with an empty database.`,
    );
  }
  return false;
}

async function choosePort(preferred: number, log: Log): Promise<number> {
  const choice = await preferredOrFreePort(preferred);
  if (choice.substituted) {
    log(`Port ${preferred} is taken, so PostgreSQL uses port ${choice.port} (set EMBEDDED_POSTGRES_PORT to choose).`);
  }
  return choice.port;
}

/** Part of the postmaster's command line that identifies its data folder. */
function postmasterMarker(databaseDir: string): string {
  return `-D ${databaseDir} -p`;
}

function spawnPostgres(
  binaries: PostgresBinaries,
  databaseDir: string,
  port: number,
  ephemeral: boolean,
  logFile: string,
  ids: UserIds | undefined,
): ChildProcess {
  const logFd = openLogFile(logFile);
  const settings = [
    `listen_addresses=${LOOPBACK}`,
    // TCP only: no socket files in /tmp that could clash with another PostgreSQL on this machine.
    'unix_socket_directories=',
    // Test data is disposable; skipping durability makes migrations and tests faster.
    ...(ephemeral ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : []),
  ];
  try {
    // We spawn postgres ourselves instead of cluster.start() for `detached`: in its own process group
    // a terminal's Ctrl-C does not reach PostgreSQL directly, so it is stopped last, after the worker.
    return spawn(binaries.postgres, ['-D', databaseDir, '-p', String(port), ...settings.flatMap((s) => ['-c', s])], {
      detached: true,
      stdio: ['ignore', logFd, logFd],
      // Server messages in English: the log's tail goes into our error messages.
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...(ids ?? {}),
    });
  } finally {
    fs.closeSync(logFd);
  }
}

async function query(client: SqlClient, sql: string): Promise<void> {
  try {
    await client.connect();
    await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabaseIfMissing(client: SqlClient): Promise<void> {
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [APP_DATABASE]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${APP_DATABASE}"`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
