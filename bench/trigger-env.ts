/**
 * What the latency and burst sections share: a database without tasks (the processes have nothing
 * to do), the service's process rows and schedules, one real worker, the latency floor's worker,
 * and the real API listening on a loopback port. Shared because each worker takes seconds to
 * start and --quick has two minutes; the burst's checks cover the whole table, latency runs included.
 */
import type { Config } from '../config';
import { initORM, type Orm } from '../db/orm';
import { hasTriggerRoute, listenApi, type ListeningApi } from './api-server';
import type { BenchContext } from './context';
import { benchConfig, createProcessesAndSchedules, deleteSchedules, RESCHEDULE } from './processes';
import { WorkerProcess } from './worker-process';

export interface TriggerEnv {
  readonly orm: Orm;
  readonly config: Config;
  readonly api: ListeningApi;
  readonly floorQueue: string;
  /** Process names whose schedules must go at the end (the burst adds its own). */
  readonly processNames: string[];
  close(): Promise<void>;
}

export async function openTriggerEnv(ctx: BenchContext, emptyTemplate: string): Promise<TriggerEnv> {
  const name = `${emptyTemplate}_triggers`;
  const url = await ctx.dbs.clone(emptyTemplate, name);
  const config = benchConfig(`bench-${ctx.runId}-triggers`);
  const floorQueue = `bench-${ctx.runId}-floor`;
  const processNames = [RESCHEDULE, 'archive_completed_tasks'];
  const orm = await initORM(url);
  const workers: WorkerProcess[] = [];
  let api: ListeningApi | undefined;
  const close = async () => {
    await api?.close();
    for (const worker of workers) await worker.stop();
    await deleteSchedules(ctx.client, config, processNames);
    await orm.close();
    await ctx.dbs.drop(name);
  };
  try {
    await createProcessesAndSchedules(orm, ctx.client, config);
    const started = await Promise.allSettled([
      WorkerProcess.start('bench/worker.ts', {
        BENCH_DATABASE_URL: url,
        BENCH_TEMPORAL_ADDRESS: ctx.temporalAddress,
        BENCH_TASK_QUEUE: config.taskQueue,
        BENCH_WORKFLOW_BUNDLE: ctx.bundles.processes,
        BENCH_BATCH_SIZE: String(config.batchSize),
      }),
      WorkerProcess.start('bench/floors/noop-worker.ts', {
        BENCH_TEMPORAL_ADDRESS: ctx.temporalAddress,
        BENCH_TASK_QUEUE: floorQueue,
        BENCH_WORKFLOW_BUNDLE: ctx.bundles.noop,
      }),
    ]);
    for (const result of started) if (result.status === 'fulfilled') workers.push(result.value);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    api = await listenApi(orm, ctx.client, config);
    if (!hasTriggerRoute(api.app)) throw new Error('the API has no POST /processes/:name/trigger route yet');
    return { orm, config, api, floorQueue, processNames, close };
  } catch (err) {
    await close();
    throw err;
  }
}
