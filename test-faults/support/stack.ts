import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { localDateTimeAt } from '../../time';
import { openPool } from './database';
import {
  Cleanup,
  leftoverProcesses,
  makeTempDir,
  startPostgres,
  startTemporal,
  WorkerProcess,
  type PostgresServer,
  type TemporalServer,
  type WorkerEnv,
} from './servers';
import { connectClient } from './temporal';

export const ZONE = 'Asia/Tehran';

export interface StackOptions {
  /** Tasks per committed batch (RESCHEDULE_BATCH_SIZE). */
  readonly batchSize: number;
  /** Temporal persisting to a file in the temp folder, so it can be restarted; else in memory. */
  readonly persistentTemporal?: boolean;
  /** Start no worker (the API test). */
  readonly noWorker?: boolean;
}

/**
 * One test file's own servers: PostgreSQL (persistent, in a temp folder, restartable on the same
 * port), the Temporal dev server, the worker as a child process; pools and clients to watch them.
 * close() stops everything and fails if any of their processes is left.
 */
export class FaultStack {
  readonly cleanup = new Cleanup();
  readonly taskQueue = `faults-${randomUUID().slice(0, 8)}`;
  tmp = '';
  postgres!: PostgresServer;
  temporal!: TemporalServer;
  client!: Client;
  pool!: Pool;
  worker: WorkerProcess | undefined;
  private temporalDir: string | undefined;
  private readonly markers: string[] = [];

  private constructor(private readonly options: StackOptions) {}

  static async start(label: string, options: StackOptions): Promise<FaultStack> {
    const stack = new FaultStack(options);
    try {
      await stack.startAll(label);
    } catch (error) {
      await stack.close().catch(() => undefined);
      throw error;
    }
    return stack;
  }

  private async startAll(label: string): Promise<void> {
    this.tmp = makeTempDir(label, this.cleanup);
    this.markers.push(this.tmp);
    this.temporalDir = this.options.persistentTemporal ? path.join(this.tmp, 'temporal') : undefined;
    const [postgres, temporal] = await Promise.all([
      startPostgres(this.tmp),
      startTemporal({ dataDir: this.temporalDir }),
    ]);
    this.postgres = postgres;
    this.temporal = temporal;
    this.markers.push(`--port ${temporal.port}`);
    this.cleanup.add('stop PostgreSQL', () => this.postgres.stop());
    this.cleanup.add('stop Temporal', () => this.temporal.stop());
    this.client = await connectClient(temporal.address);
    this.cleanup.add('close the Temporal client', () => this.client.connection.close());
    this.pool = openPool(postgres.databaseUrl);
    this.cleanup.add('close the pool', () => this.pool.end());
    this.cleanup.add('stop the worker', () => this.worker?.kill9());
    if (!this.options.noWorker) await this.startWorker();
  }

  get workerLog(): string {
    return path.join(this.tmp, 'worker.log');
  }

  /** The worker's environment: schedules put 12 hours away, so no scheduled run fires by itself. */
  workerEnv(): WorkerEnv {
    const hour = (localHourMinute(ZONE, Date.now()).hour + 12) % 24;
    return {
      DATABASE_URL: this.postgres.databaseUrl,
      TEMPORAL_ADDRESS: this.temporal.address,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      BEHFLOW_TIMEZONE: ZONE,
      RESCHEDULE_BATCH_SIZE: String(this.options.batchSize),
      RESCHEDULE_HOUR: String(hour),
      RESCHEDULE_MINUTE: '0',
      ARCHIVE_HOUR: String(hour),
      ARCHIVE_MINUTE: '30',
    };
  }

  async startWorker(): Promise<WorkerProcess> {
    if (this.worker && !this.worker.exited) throw new Error('a worker is running already');
    this.worker = await WorkerProcess.start(this.workerEnv(), this.workerLog);
    return this.worker;
  }

  async killWorker(): Promise<void> {
    await this.worker?.kill9();
  }

  async stopPostgres(): Promise<void> {
    await this.postgres.stop();
  }

  /** The same cluster (data folder) on the same port. */
  async startPostgresAgain(): Promise<void> {
    this.postgres = await startPostgres(this.tmp, this.postgres.port);
  }

  async stopTemporal(): Promise<void> {
    await this.temporal.stop();
  }

  /** The same file and ports (persistent mode only). */
  async startTemporalAgain(): Promise<void> {
    if (!this.temporalDir) throw new Error('an in-memory Temporal server cannot be restarted with its data');
    this.temporal = await startTemporal({
      dataDir: this.temporalDir,
      port: this.temporal.port,
      uiPort: this.temporal.uiPort,
    });
  }

  async close(): Promise<void> {
    await this.cleanup.run();
    const left = leftoverProcesses(this.markers);
    if (left.length > 0) throw new Error(`processes left behind:\n${left.join('\n')}`);
  }
}

/** The wall clock's hour and minute in a zone, e.g. to place a schedule. */
export function localHourMinute(zone: string, epochMs: number): { hour: number; minute: number } {
  const { secondsOfDay } = localDateTimeAt(zone, epochMs);
  return { hour: Math.floor(secondsOfDay / 3600), minute: Math.floor((secondsOfDay % 3600) / 60) };
}
