/**
 * Real servers for the fault tests, each started by the test that needs it so the test can stop or
 * kill it: an embedded PostgreSQL (in a child host process, see postgres-host.ts), the Temporal dev
 * server (dev-stack), and the worker's real entry point (bin/worker.ts) as a child process.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getFreePort } from '../../dev-stack/ports';
import { exitedWithin, hasExited } from '../../dev-stack/processes';
import { locateTemporalCli } from '../../dev-stack/temporal-cli';
import { startTemporalDevServer, type RunningTemporal } from '../../dev-stack/temporal-dev-server';
import { sleep } from './timing';

export const REPO = path.resolve(__dirname, '..', '..');
const TSX_CLI = require.resolve('tsx/cli');
const quiet = () => undefined;

/** Everything a test starts goes in here and is stopped in reverse order, even when the test failed. */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  async run(): Promise<void> {
    const errors: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) break;
      try {
        await step.run();
      } catch (error) {
        errors.push(`${step.what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (errors.length > 0) throw new Error(`cleanup failed:\n${errors.join('\n')}`);
  }
}

/** A temp folder of the test's own; PostgreSQL (run as "postgres" when we are root) must be able to enter it. */
export function makeTempDir(label: string, cleanup: Cleanup): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `behflow-faults-${label}-`));
  fs.chmodSync(dir, 0o755);
  cleanup.add(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function logTail(file: string, chars = 3000): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.length > chars ? `…${text.slice(-chars)}` : text;
  } catch {
    return '(no log)';
  }
}

export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // gone already
  }
}

async function waitGroupGone(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

// ---------------------------------------------------------------- PostgreSQL

export interface PostgresServer {
  readonly databaseUrl: string;
  readonly port: number;
  readonly dataDir: string;
  /** Fast shutdown (SIGINT to the postmaster), as `npm start` does it. */
  stop(): Promise<void>;
}

/**
 * An embedded PostgreSQL in persistent mode in dataDir (through dev-stack's startEmbeddedPostgres,
 * in a child process). Starting it again on the same dataDir and port restarts the same cluster.
 */
export async function startPostgres(dataDir: string, port?: number): Promise<PostgresServer> {
  const wanted = port ?? (await getFreePort());
  const logFile = path.join(dataDir, 'postgres-host.log');
  const logFd = fs.openSync(logFile, 'a');
  const host = spawn(
    process.execPath,
    [TSX_CLI, path.join(__dirname, 'postgres-host.ts'), JSON.stringify({ dataDir, port: wanted })],
    // Own process group: if everything else fails, the group can be killed as a whole.
    { cwd: REPO, stdio: ['pipe', 'pipe', logFd], detached: true },
  );
  fs.closeSync(logFd);
  const pgid = host.pid;
  if (pgid === undefined) throw new Error('could not spawn the PostgreSQL host');

  const ready = await new Promise<{ databaseUrl: string; port: number }>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`PostgreSQL not ready in 120 s\n${logTail(logFile)}`)), 120_000);
    host.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { databaseUrl: string; port: number });
      }
    });
    host.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`PostgreSQL host exited (code ${code}) before ready\n${logTail(logFile)}`));
    });
  }).catch(async (error: unknown) => {
    signalGroup(pgid, 'SIGKILL');
    await stopOrphanPostmaster(dataDir);
    throw error;
  });
  if (port !== undefined && ready.port !== port) {
    throw new Error(`PostgreSQL came up on port ${ready.port}, not the port ${port} it was asked for`);
  }

  let stopped: Promise<void> | undefined;
  return {
    databaseUrl: ready.databaseUrl,
    port: ready.port,
    dataDir,
    stop: () =>
      (stopped ??= (async () => {
        if (!hasExited(host)) {
          // tsx relays the signal to the host script, which stops PostgreSQL and exits.
          host.kill('SIGTERM');
          if (!(await exitedWithin(host, 30_000))) signalGroup(pgid, 'SIGKILL');
        }
        signalGroup(pgid, 'SIGKILL');
        await waitGroupGone(pgid, 10_000);
        await stopOrphanPostmaster(dataDir);
      })()),
  };
}

/** Last resort: a postmaster whose host died stays in its own process group; postmaster.pid names it. */
async function stopOrphanPostmaster(dataDir: string): Promise<void> {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}

// ---------------------------------------------------------------- Temporal

export interface TemporalServer extends RunningTemporal {
  readonly port: number;
  readonly uiPort: number | undefined;
}

/**
 * The Temporal dev server of dev-stack. With dataDir: persistent (<dataDir>/temporal.db), on
 * the given (or free) ports, so stopping and starting it again keeps schedules and history.
 * Without: in memory, headless, on a free port.
 */
export async function startTemporal(options: { dataDir?: string; port?: number; uiPort?: number } = {}) {
  const cliPath = await locateTemporalCli(
    { temporalCliPath: process.env.TEMPORAL_CLI_PATH || undefined },
    {
      build: false,
      log: quiet,
    },
  );
  const persistent = options.dataDir !== undefined;
  const port = options.port ?? (await getFreePort());
  const uiPort = persistent ? (options.uiPort ?? (await getFreePort())) : undefined;
  const running = await startTemporalDevServer({
    cliPath,
    mode: persistent ? 'persistent' : 'ephemeral',
    dataDir: options.dataDir ?? os.tmpdir(),
    port,
    uiPort: uiPort ?? 0,
    namespace: 'default',
    log: quiet,
  });
  const address = running.address;
  return { ...running, address, port: Number(address.split(':').pop()), uiPort } satisfies TemporalServer;
}

// ---------------------------------------------------------------- worker

export interface WorkerEnv {
  readonly DATABASE_URL: string;
  readonly TEMPORAL_ADDRESS: string;
  readonly TEMPORAL_TASK_QUEUE: string;
  readonly BEHFLOW_TIMEZONE: string;
  readonly RESCHEDULE_BATCH_SIZE: string;
  readonly [name: string]: string;
}

/** Variables of ours that must not leak into the child from the environment jest runs in. */
const CONFIG_VARIABLES = /^(DATABASE_URL|TEMPORAL_|BEHFLOW_|RESCHEDULE_|ARCHIVE_|SCHEDULE_|LOG_LEVEL|API_|DATA_DIR)/;

const READY_LINE = 'Automated process worker started';

/**
 * `node tsx/cli bin/worker.ts`, the real entry point, in its own process group: tsx runs the script
 * in a child of its own, so `kill -9` goes to the whole group, as a crash or an OOM kill would.
 */
export class WorkerProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly pid: number,
    readonly logFile: string,
  ) {}

  static async start(env: WorkerEnv, logFile: string): Promise<WorkerProcess> {
    const startedAt = Date.now();
    const before = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const logFd = fs.openSync(logFile, 'a');
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLES.test(name)));
    const child = spawn(process.execPath, [TSX_CLI, path.join(REPO, 'bin', 'worker.ts')], {
      cwd: REPO,
      env: { ...inherited, LOG_LEVEL: 'info', DATA_DIR: path.dirname(logFile), ...env },
      stdio: ['ignore', logFd, logFd],
      detached: true,
    });
    fs.closeSync(logFd);
    if (child.pid === undefined) throw new Error('could not spawn the worker');
    const worker = new WorkerProcess(child, child.pid, logFile);
    liveWorkers.add(worker);
    const deadline = Date.now() + 180_000;
    for (;;) {
      const fresh = fs.readFileSync(logFile, 'utf8').slice(before);
      if (fresh.includes(READY_LINE)) break;
      if (hasExited(child))
        throw new Error(`worker exited during startup (code ${child.exitCode})\n${logTail(logFile)}`);
      if (Date.now() > deadline) {
        await worker.kill9();
        throw new Error(`worker not ready in 180 s\n${logTail(logFile)}`);
      }
      await sleep(100);
    }
    worker.startupMs = Date.now() - startedAt;
    return worker;
  }

  startupMs = 0;

  get exited(): boolean {
    return hasExited(this.child);
  }

  /** SIGKILL to every process of the worker's group; resolves once they are all gone. */
  async kill9(): Promise<void> {
    signalGroup(this.pid, 'SIGKILL');
    if (!(await waitGroupGone(this.pid, 10_000))) throw new Error(`worker group ${this.pid} survived SIGKILL`);
    liveWorkers.delete(this);
  }

  /** SIGTERM (graceful drain, as the worker promises), SIGKILL after the grace period. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!hasExited(this.child)) {
      this.child.kill('SIGTERM');
      await exitedWithin(this.child, graceMs);
    }
    await this.kill9();
  }
}

const liveWorkers = new Set<WorkerProcess>();
// If jest exits without cleaning up, no worker survives it (synchronous: all 'exit' allows).
process.on('exit', () => {
  for (const worker of liveWorkers) signalGroup(worker.pid, 'SIGKILL');
});

/** Processes still running whose command line contains one of the markers (a data folder, a port). */
export function leftoverProcesses(markers: readonly string[]): string[] {
  const lines = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n');
  return lines.filter((line) => markers.some((m) => line.includes(m)) && !line.includes('ps -eo'));
}
