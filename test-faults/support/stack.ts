/**
 * One test file's own real servers (README, "Fault tests"), each in a server host of dev-stack and
 * restartable by the test, and the worker's real entry point in its own process group, so `kill -9`
 * hits it whole, as a crash or an OOM kill would. close() fails if any of their processes is left.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Pool } from 'pg';
import { makeTempDir, startServers } from '../../dev-stack/index';
import { getFreePort } from '../../dev-stack/ports';
import { signalGroup, stopGroup } from '../../dev-stack/processes';
import { locateTemporalCli } from '../../dev-stack/temporal-cli';
import { localDateTimeAt } from '../../time';
import { connectClient } from './temporal';
import { sleep } from './timing';

export const ZONE = 'Asia/Tehran';
const REPO = path.resolve(__dirname, '..', '..');
/** Variables of ours that must not leak into the worker from the environment jest runs in. */
export const CONFIG_VARIABLES =
  /^(DATABASE_URL|TEMPORAL_|BEHFLOW_|RESCHEDULE_|ARCHIVE_|SCHEDULE_|LOG_LEVEL|API_|DATA_DIR)/;

type Worker = { readonly pid: number; exited: boolean; startupMs: number };

export class FaultStack {
  private readonly steps: { what: string; run: () => unknown }[] = [];
  /** Steps close() runs in reverse order, each even if another failed. */
  readonly cleanup = { add: (what: string, run: () => unknown) => void this.steps.push({ what, run }) };
  readonly taskQueue = `faults-${randomUUID().slice(0, 8)}`;
  readonly tmp: string;
  postgres!: Awaited<ReturnType<FaultStack['startPostgres']>>;
  temporal!: Awaited<ReturnType<FaultStack['startTemporal']>>;
  client!: Client;
  pool!: Pool;
  /** Every worker started, in order; most tests run one at a time. */
  readonly workers: Worker[] = [];
  /** The worker started last. */
  get worker(): Worker | undefined {
    return this.workers.at(-1);
  }

  /** `persistentTemporal`: Temporal persists to a file in the temp folder, so it can restart with its data. */
  private constructor(
    label: string,
    private readonly options: { batchSize: number; persistentTemporal?: boolean },
  ) {
    this.tmp = makeTempDir(`behflow-faults-${label}-`);
    this.cleanup.add(`remove ${this.tmp}`, () => fs.rmSync(this.tmp, { recursive: true, force: true }));
  }

  static async start(label: string, options: FaultStack['options']): Promise<FaultStack> {
    const stack = new FaultStack(label, options);
    try {
      [stack.postgres, stack.temporal] = await Promise.all([stack.startPostgres(), stack.startTemporal()]);
      stack.cleanup.add('stop PostgreSQL', stack.stopPostgres);
      stack.cleanup.add('stop Temporal', stack.stopTemporal);
      stack.client = await connectClient(stack.temporal.address);
      stack.cleanup.add('close the Temporal client', () => stack.client.connection.close());
      stack.pool = new Pool({ connectionString: stack.postgres.databaseUrl, max: 3, connectionTimeoutMillis: 5_000 });
      stack.pool.on('error', () => undefined); // an idle client lost to a server stopped on purpose
      stack.cleanup.add('close the pool', () => stack.pool.end());
      stack.cleanup.add('stop the workers', () => Promise.all(stack.workers.map((w) => stack.killWorker(w))));
      await stack.startWorker();
    } catch (error) {
      await stack.close().catch(() => undefined);
      throw error;
    }
    return stack;
  }

  /** The same cluster (data folder) on the same port when it ran before. */
  private async startPostgres(port?: number) {
    const wanted = port ?? (await getFreePort());
    const host = await startServers({ dir: this.tmp, ephemeral: false, postgres: { port: wanted } }, { quiet: true });
    return { port: wanted, databaseUrl: host.databaseUrl ?? '', stop: host.stop };
  }

  /** Persistent: the same file and ports when it ran before; else in memory, headless. */
  private async startTemporal(before?: { port: number; uiPort: number | undefined }) {
    const cliPath = await locateTemporalCli(
      { temporalCliPath: process.env.TEMPORAL_CLI_PATH || undefined },
      { build: false },
    );
    const persistent = this.options.persistentTemporal === true;
    const dir = persistent ? path.join(this.tmp, 'temporal') : makeTempDir('behflow-faults-temporal-');
    fs.mkdirSync(dir, { recursive: true });
    const port = before?.port ?? (await getFreePort());
    const uiPort = persistent ? (before?.uiPort ?? (await getFreePort())) : undefined;
    const temporal = { cliPath, port, uiPort, namespace: 'default' };
    const host = await startServers({ dir, ephemeral: !persistent, temporal }, { quiet: true });
    return { address: host.temporalAddress ?? '', port, uiPort, stop: host.stop };
  }

  /**
   * `node tsx/cli bin/worker.ts`, its schedules put 12 hours away so no scheduled run fires by itself.
   * `beside`: another worker on the same task queue while the others run (each logs to its own file).
   */
  async startWorker(options: { beside?: boolean } = {}): Promise<Worker> {
    if (!options.beside && this.workers.some((w) => !w.exited)) throw new Error('a worker is running already');
    const startedAt = Date.now();
    const hour = String((localHourMinute(ZONE, Date.now()).hour + 12) % 24);
    const logFile = path.join(this.tmp, options.beside ? `worker-${this.workers.length + 1}.log` : 'worker.log');
    const before = fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
    const logFd = fs.openSync(logFile, 'a');
    const inherited = Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLES.test(name));
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), path.join(REPO, 'bin', 'worker.ts')], {
      cwd: REPO,
      env: {
        ...Object.fromEntries(inherited),
        ...{ LOG_LEVEL: 'info', DATA_DIR: this.tmp, DATABASE_URL: this.postgres.databaseUrl },
        ...{ TEMPORAL_ADDRESS: this.temporal.address, TEMPORAL_TASK_QUEUE: this.taskQueue, BEHFLOW_TIMEZONE: ZONE },
        ...{ RESCHEDULE_BATCH_SIZE: String(this.options.batchSize), RESCHEDULE_HOUR: hour, RESCHEDULE_MINUTE: '0' },
        ...{ ARCHIVE_HOUR: hour, ARCHIVE_MINUTE: '30' },
      },
      stdio: ['ignore', logFd, logFd],
      detached: true,
    });
    fs.closeSync(logFd);
    const worker: Worker = { pid: child.pid ?? 0, exited: false, startupMs: 0 };
    this.workers.push(worker);
    child.once('exit', () => (worker.exited = true));
    process.on('exit', () => signalGroup(worker.pid, 'SIGKILL')); // if jest exits without cleaning up
    for (const deadline = Date.now() + 180_000; ; await sleep(100)) {
      const log = fs.readFileSync(logFile, 'utf8');
      if (log.slice(before).includes('Automated process worker started')) break;
      if (worker.exited || Date.now() > deadline) {
        await stopGroup(worker.pid, 'SIGKILL', 0);
        const problem = worker.exited ? `exited during startup (code ${child.exitCode})` : 'not ready in 180 s';
        throw new Error(`worker ${problem}\n${log.slice(-3000)}`);
      }
    }
    worker.startupMs = Date.now() - startedAt;
    return worker;
  }

  readonly killWorker = async (worker = this.worker) => worker && stopGroup(worker.pid, 'SIGKILL', 0);
  readonly stopPostgres = () => this.postgres.stop();
  readonly stopTemporal = () => this.temporal.stop();

  async startPostgresAgain(): Promise<void> {
    this.postgres = await this.startPostgres(this.postgres.port);
  }

  async startTemporalAgain(): Promise<void> {
    if (!this.options.persistentTemporal) throw new Error('an in-memory Temporal server cannot restart with its data');
    this.temporal = await this.startTemporal(this.temporal);
  }

  async close(): Promise<void> {
    const errors: string[] = [];
    for (const { what, run } of this.steps.splice(0).reverse())
      await (async () => run())().catch((error: unknown) => errors.push(`${what}: ${String(error)}`));
    const markers = [this.tmp, `--port ${this.temporal?.port}`];
    const left = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => markers.some((m) => line.includes(m)) && !line.includes('ps -eo'));
    for (const worker of this.workers)
      if (signalGroup(worker.pid, 0)) left.push(`a worker's process group ${worker.pid}`);
    if (left.length > 0) errors.push(`processes left behind:\n${left.join('\n')}`);
    if (errors.length > 0) throw new Error(`cleanup failed:\n${errors.join('\n')}`);
  }
}

/** The wall clock's hour and minute in a zone, e.g. to place a schedule. */
export function localHourMinute(zone: string, epochMs: number): { hour: number; minute: number } {
  const { secondsOfDay } = localDateTimeAt(zone, epochMs);
  return { hour: Math.floor(secondsOfDay / 3600), minute: Math.floor((secondsOfDay % 3600) / 60) };
}
