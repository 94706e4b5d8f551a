/**
 * The service under measurement, as in production: its config, rows and schedules, and its worker
 * (createProcessWorker) in a child process of its own (this file, forked), so that each peak RSS is
 * that measurement's alone; for the latency sections the floor's worker runs beside it.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { scheduleSettings } from '../api/deps';
import { loadConfig, type Config } from '../config';
import { initORM, type Orm } from '../db/orm';
import { silentLogger } from '../platform/logger';
import { connectClient, requireSetting } from '../platform/temporal';
import { temporalConnectionOptions } from '../platform/temporal-connection';
import { ensureProcessRows } from '../processes/process-rows';
import { reconcileSchedules } from '../temporal/reconcile';
import { PROCESS_REGISTRY } from '../processes/registry';
import { deleteSchedule } from '../temporal/schedules';
import { registeredWorkflowsPath } from '../worker/workflow-entry';
import { localDateTimeAt } from '../time';
import { createProcessWorker } from '../worker/create-worker';
import { runMain } from '../dev-stack/load-config';
import { RESCHEDULE, ZONE, type BenchContext } from './context';

/** One measurement's environment for the production worker: its own task queue, schedules 12 hours away. */
export function benchEnv(ctx: BenchContext, name: string, databaseUrl: string): Record<string, string> {
  const hour = String((Math.floor(localDateTimeAt(ZONE, Date.now()).secondsOfDay / 3600) + 12) % 24);
  return {
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: ctx.temporalAddress,
    TEMPORAL_NAMESPACE: ctx.client.options.namespace,
    TEMPORAL_TASK_QUEUE: `bench-${ctx.runId}-${name}`,
    BEHFLOW_TIMEZONE: ZONE,
    RESCHEDULE_HOUR: hour,
    ARCHIVE_HOUR: hour,
  };
}

/**
 * The service on one database as the worker starts it, the floor's worker on `floorQueue`, schedules deleted
 * afterwards. stopWorker drains the worker (SIGKILL after 30 s) and gives its peak RSS in bytes (0 if unknown).
 */
export async function withService<T>(
  ctx: BenchContext,
  url: string,
  name: string,
  options: { batchSize?: number; floorQueue?: string },
  use: (service: { orm: Orm; config: Config; stopWorker: () => Promise<number> }) => Promise<T>,
): Promise<T> {
  const env: Record<string, string> = { ...benchEnv(ctx, name, url), BENCH_BUNDLES: JSON.stringify(ctx.bundles) };
  if (options.batchSize) env.RESCHEDULE_BATCH_SIZE = String(options.batchSize);
  if (options.floorQueue) env.BENCH_FLOOR_QUEUE = options.floorQueue;
  const config = loadConfig(env, PROCESS_REGISTRY);
  const settings = scheduleSettings(config);
  const orm = await initORM(url);
  let stopWorker: (() => Promise<number>) | undefined;
  try {
    await ensureProcessRows(orm, PROCESS_REGISTRY, config, silentLogger);
    await reconcileSchedules({ orm, client: ctx.client, registry: PROCESS_REGISTRY, settings, logger: silentLogger });
    stopWorker = await startWorker(env);
    return await use({ orm, config, stopWorker });
  } finally {
    await stopWorker?.();
    for (const process of [RESCHEDULE, 'archive_completed_tasks'])
      await deleteSchedule(ctx.client, process, settings).catch(() => false);
    await orm.close();
  }
}

/** What the child says over IPC: 'ready' once it polls, then its peak RSS on 'stop' (or when we go away). */
type FromChild = 'ready' | { maxRssKb: number };

/** Forks this file as the worker's process; once it polls, the function that stops it. */
async function startWorker(env: Record<string, string>): Promise<() => Promise<number>> {
  const child = fork(__filename, [], {
    // TypeScript, the way the parent runs; the child's pid is the worker's own Node process.
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const gone = new AbortController();
  child.once('exit', (code) => gone.abort(new Error(`it exited (code ${code})`)));
  /** The child's next message, or why there is none (it exited, its error is in the log above, or it kept silent). */
  const next = async (timeoutMs: number): Promise<FromChild> => {
    const signal = AbortSignal.any([gone.signal, AbortSignal.timeout(timeoutMs)]);
    const [message] = (await once(child, 'message', { signal }).catch(() => {
      throw new Error(`the benchmark worker did not answer: ${String(signal.reason)}`);
    })) as [FromChild];
    return message;
  };
  const stop = async () => {
    if (gone.signal.aborted) return 0;
    const exited = once(gone.signal, 'abort');
    const peak = next(10_000).catch(() => undefined);
    if (child.connected) child.send('stop');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited.finally(() => clearTimeout(timer));
    const message = await peak;
    return typeof message === 'object' ? message.maxRssKb * 1024 : 0;
  };
  await next(60_000).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return stop;
}

/** Bundles both workflow sets once per run (webpack: seconds of CPU no measurement should pay), removed at exit. */
export async function bundleWorkflows(): Promise<BenchContext['bundles']> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'behflow-bench-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const write = async (name: string, workflowsPath: string) => {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
    fs.writeFileSync(path.join(dir, `${name}.js`), code);
    return path.join(dir, `${name}.js`);
  };
  const processes = await write('processes', registeredWorkflowsPath(PROCESS_REGISTRY));
  return { processes, noop: await write('noop', require.resolve('./noop-workflow')) };
}

/** The production worker, and the floor's (a no-op workflow and activity, SDK defaults) beside it. */
async function runChild(config: Config, bundles: BenchContext['bundles'], floorQueue: string | undefined) {
  // ERROR only: the burst makes the workflows warn about every run skipped as overlapping.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const { temporalNamespace: namespace, taskQueue, batchSize, timezone: defaultTimezone } = config;
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  const orm = await initORM(requireSetting(config.databaseUrl, 'DATABASE_URL'));
  const client = await connectClient(config);
  const workflows = { workflowBundle: { codePath: bundles.processes } };
  const workers = [
    await createProcessWorker({ connection, namespace, taskQueue, orm, client, batchSize, defaultTimezone, workflows }),
  ];
  if (floorQueue) {
    const workflowBundle = { codePath: bundles.noop };
    const activities = { async noop() {} };
    workers.push(await Worker.create({ connection, namespace, taskQueue: floorQueue, workflowBundle, activities }));
  }
  const running = Promise.all(workers.map((worker) => worker.run()));
  const stop = () => {
    if (process.connected) process.send?.({ maxRssKb: process.resourceUsage().maxRSS } satisfies FromChild);
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.on('message', stop).on('disconnect', stop);
  process.send?.('ready' satisfies FromChild);
  await running;
  await client.connection.close();
  await orm.close();
  await connection.close();
}

if (require.main === module) {
  // A failure goes to the inherited stderr; the parent sees the exit.
  const bundles = JSON.parse(process.env.BENCH_BUNDLES ?? '') as BenchContext['bundles'];
  const config = loadConfig(process.env, PROCESS_REGISTRY);
  const fail = (line: string) => console.error(`benchmark worker failed: ${line}`);
  runMain(() => runChild(config, bundles, process.env.BENCH_FLOOR_QUEUE).then(() => 0), fail, true);
}
