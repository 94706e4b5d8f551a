/**
 * 1. Reschedule throughput: N overdue tasks (and N that must stay put) moved by one run through the
 * real path, a schedule trigger to a real worker in a child process, measured from the trigger to
 * the completed execution row; beside it, on identical clones of the same data, the one-statement
 * floors. Every measurement gets a fresh clone (CREATE DATABASE … TEMPLATE), so none inherits
 * another's dead tuples, and a fresh worker, so each peak RSS is that run's alone.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client as PgClient } from 'pg';
import { initORM } from '../db/orm';
import { formatLocalDate, localDateAt, startOfDay } from '../time';
import { epochNow, sleep, throwIfAborted, type BenchContext } from './context';
import { withClient } from './db';
import { fmt, mb } from './format';
import { rescheduleBare, rescheduleWithAudit, type DayPlan, type FloorRun } from './floors/reschedule-sql';
import { benchConfig, createProcessesAndSchedules, deleteSchedules, RESCHEDULE, scheduleId, ZONE } from './processes';
import { seedTasks } from './seed';
import { WorkerProcess, type MemoryReport } from './worker-process';

/** A process that reschedules the tasks of a user who has none: warms a fresh worker up without moving anything. */
const WARMUP = 'bench_warmup';
const NOBODY = '00000000-0000-4000-8000-ffffffffffff';
const POLL_MS = 100;

export interface RealRun {
  readonly batchSize: number;
  readonly repeat: number;
  readonly outcome: 'completed' | 'failed' | 'timed_out';
  readonly tasksRescheduled: number;
  /** Schedule trigger → execution row completed (its completed_at). */
  readonly elapsedMs: number;
  /** Schedule trigger → execution row opened (its started_at): Temporal's share, before any work. */
  readonly openMs: number;
  readonly tasksPerSecond: number;
  readonly memory: MemoryReport;
  readonly error?: string;
}

export interface FloorResult extends FloorRun {
  readonly tasksPerSecond: number;
}

export interface SizeResult {
  readonly size: number;
  readonly seedMs: number;
  /** Median of the repeats. */
  readonly floors: { readonly withAudit: FloorResult; readonly bare: FloorResult };
  readonly floorRuns: readonly { readonly withAudit: FloorResult; readonly bare: FloorResult }[];
  readonly runs: readonly RealRun[];
  /** Median run per batch size. */
  readonly byBatchSize: readonly RealRun[];
}

export interface ThroughputResult {
  readonly zone: string;
  readonly users: number;
  readonly sizes: readonly SizeResult[];
}

export async function measureThroughput(ctx: BenchContext): Promise<ThroughputResult> {
  const sizes: SizeResult[] = [];
  for (const size of ctx.options.sizes) {
    throwIfAborted(ctx.signal);
    sizes.push(await measureSize(ctx, size));
  }
  return { zone: ZONE, users: ctx.options.users, sizes };
}

function dayPlan(): DayPlan {
  const date = localDateAt(ZONE, Date.now());
  return { zone: ZONE, date, day: formatLocalDate(date), dayStartMs: startOfDay(ZONE, date) };
}

async function measureSize(ctx: BenchContext, size: number): Promise<SizeResult> {
  const seeded = `bench_${ctx.runId}_seed_${size}`;
  const seedStarted = Date.now();
  ctx.log(`throughput N=${fmt(size)}: seeding ${fmt(2 * size)} tasks…`);
  const seededUrl = await ctx.dbs.createMigrated(seeded);
  const plan = dayPlan();
  await withClient(seededUrl, async (pg) => {
    await seedTasks(pg, { overdue: size, notOverdue: size, users: ctx.options.users, dayStartMs: plan.dayStartMs });
    await addWarmupProcess(pg);
    if (ctx.options.seedSql) {
      await pg.query(fs.readFileSync(ctx.options.seedSql, 'utf8'));
      await pg.query('ANALYZE tasks');
    }
  });
  // The process rows, as the worker creates them, belong to the data every clone starts from.
  const orm = await initORM(seededUrl, { poolMax: 2 });
  try {
    await createProcessesAndSchedules(orm, ctx.client, benchConfig(`bench-${ctx.runId}-seed`));
  } finally {
    await deleteSchedules(ctx.client, benchConfig(`bench-${ctx.runId}-seed`), [RESCHEDULE, 'archive_completed_tasks']);
    await orm.close();
  }
  const seedMs = Date.now() - seedStarted;
  ctx.log(`throughput N=${fmt(size)}: seeded in ${(seedMs / 1000).toFixed(1)} s`);

  try {
    // Floors and real runs alternate, repeat by repeat, so a slow spell of the machine hits both.
    const floorRuns: { withAudit: FloorRun; bare: FloorRun }[] = [];
    const runs: RealRun[] = [];
    for (let repeat = 1; repeat <= ctx.options.repeats; repeat++) {
      throwIfAborted(ctx.signal);
      const withAudit = await onClone(ctx, seeded, `floor_audit`, async (url) =>
        withClient(url, async (pg) => rescheduleWithAudit(pg, plan, await openExecution(pg))),
      );
      ctx.log(`throughput N=${fmt(size)}: SQL floor with audit ${rate(withAudit)}`);
      const bare = await onClone(ctx, seeded, `floor_bare`, (url) => withClient(url, (pg) => rescheduleBare(pg, plan)));
      ctx.log(`throughput N=${fmt(size)}: bare UPDATE ${rate(bare)}`);
      for (const floor of [withAudit, bare]) {
        if (floor.rows !== size) throw new Error(`the ${floor.kind} floor moved ${floor.rows} tasks, not ${size}`);
      }
      floorRuns.push({ withAudit, bare });
      for (const batchSize of ctx.options.batchSizes) {
        throwIfAborted(ctx.signal);
        const run = await onClone(ctx, seeded, `real_${batchSize}_${repeat}`, (url) =>
          measureRealRun(ctx, url, size, batchSize, repeat),
        );
        ctx.log(
          `throughput N=${fmt(size)}: real path, batch ${fmt(batchSize)}: ${run.outcome}, ` +
            `${fmt(run.tasksPerSecond)} tasks/s (${(run.elapsedMs / 1000).toFixed(1)} s), ` +
            `peak RSS ${mb(run.memory.peakRssBytes)} MB`,
        );
        runs.push(run);
      }
    }
    const byBatchSize = ctx.options.batchSizes.map((b) =>
      medianBy(
        runs.filter((r) => r.batchSize === b),
        (r) => r.elapsedMs,
      ),
    );
    return {
      size,
      seedMs,
      floors: {
        withAudit: withRate(
          medianBy(
            floorRuns.map((f) => f.withAudit),
            (f) => f.elapsedMs,
          ),
        ),
        bare: withRate(
          medianBy(
            floorRuns.map((f) => f.bare),
            (f) => f.elapsedMs,
          ),
        ),
      },
      floorRuns: floorRuns.map((f) => ({ withAudit: withRate(f.withAudit), bare: withRate(f.bare) })),
      runs,
      byBatchSize,
    };
  } finally {
    await ctx.dbs.drop(seeded);
  }
}

/** The item whose key is the median (the lower middle one for an even count). */
function medianBy<T>(items: readonly T[], key: (item: T) => number): T {
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  if (middle === undefined) throw new Error('no measurements to take the median of');
  return middle;
}

async function onClone<T>(ctx: BenchContext, template: string, what: string, use: (url: string) => Promise<T>) {
  const name = `${template}_${what}`;
  const url = await ctx.dbs.clone(template, name);
  try {
    return await use(url);
  } finally {
    await ctx.dbs.drop(name);
  }
}

async function addWarmupProcess(pg: PgClient): Promise<void> {
  await pg.query(
    `INSERT INTO automated_processes (name, trigger_type, schedule_config, process_config)
     VALUES ($1, 'manual', $2::jsonb, $3::jsonb)`,
    [WARMUP, JSON.stringify({ hour: 0, minute: 0, timezone: ZONE }), JSON.stringify({ user_ids: [NOBODY] })],
  );
}

/** The audit rows reference an execution: the floor gets one, as beginExecution would open it. */
async function openExecution(pg: PgClient): Promise<string> {
  const executionId = randomUUID();
  await pg.query(
    `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, trigger, workflow_id)
     SELECT $1, process_id, 'running', now(), 'manual', 'bench-floor' FROM automated_processes WHERE name = $2`,
    [executionId, RESCHEDULE],
  );
  return executionId;
}

interface ExecutionRow {
  status: string;
  started_ms: number;
  completed_ms: number | null;
  result: { tasks_rescheduled?: number } | null;
  error_message: string | null;
}

async function measureRealRun(
  ctx: BenchContext,
  url: string,
  size: number,
  batchSize: number,
  repeat: number,
): Promise<RealRun> {
  const config = benchConfig(`bench-${ctx.runId}-${size}-${batchSize}-${repeat}`);
  const orm = await initORM(url, { poolMax: 2 });
  let worker: WorkerProcess | undefined;
  try {
    await createProcessesAndSchedules(orm, ctx.client, config);
    worker = await WorkerProcess.start('bench/worker.ts', {
      BENCH_DATABASE_URL: url,
      BENCH_TEMPORAL_ADDRESS: ctx.temporalAddress,
      BENCH_TASK_QUEUE: config.taskQueue,
      BENCH_WORKFLOW_BUNDLE: ctx.bundles.processes,
      BENCH_BATCH_SIZE: String(batchSize),
    });
    // One run that moves nothing: the worker's first workflow, activity and database connections
    // are paid for before the clock starts, as in a worker that has been up since morning.
    await ctx.client.workflow.execute('rescheduleRemainingTasks', {
      taskQueue: config.taskQueue,
      workflowId: `bench-warmup-${randomUUID()}`,
      args: [{ processName: WARMUP }],
    });
    worker.beginMeasuring();

    const triggeredAt = epochNow();
    await ctx.client.schedule.getHandle(scheduleId(config, RESCHEDULE)).trigger(ScheduleOverlapPolicy.SKIP);
    // Generous: 30 minutes, or 200 tasks/s, whichever is longer.
    const deadline = Date.now() + Math.max(30 * 60_000, (size / 200) * 1000);
    let row: ExecutionRow | undefined;
    while (!row && Date.now() < deadline && !ctx.signal.aborted) {
      await sleep(POLL_MS);
      row = (
        await orm.em.getConnection().execute<ExecutionRow[]>(
          `SELECT e.status, e.result, e.error_message,
                  extract(epoch FROM e.started_at) * 1000 AS started_ms,
                  extract(epoch FROM e.completed_at) * 1000 AS completed_ms
             FROM automated_process_executions e JOIN automated_processes p USING (process_id)
            WHERE p.name = ? AND e.status IN ('completed', 'failed')`,
          [RESCHEDULE],
        )
      )[0];
    }
    const memory = await worker.memory();
    throwIfAborted(ctx.signal);
    if (!row || row.completed_ms === null) {
      return failedRun('timed_out', batchSize, repeat, Date.now() - triggeredAt, memory, 'no completed row');
    }
    const elapsedMs = Number(row.completed_ms) - triggeredAt;
    const moved = row.result?.tasks_rescheduled ?? 0;
    const [check] = await orm.em.getConnection().execute<{ audit: string; left: string }[]>(
      `SELECT (SELECT count(*) FROM automated_process_task_moves) AS audit,
              (SELECT count(*) FROM tasks WHERE status IN ('pending', 'in_progress') AND due_date_gregorian < ?) AS left`,
      [new Date(dayPlan().dayStartMs).toISOString()],
    );
    const wrong =
      row.status !== 'completed'
        ? (row.error_message ?? 'failed')
        : moved !== size || Number(check?.audit) !== size || Number(check?.left) !== 0
          ? `moved ${moved}, audit rows ${check?.audit}, overdue left ${check?.left}; expected ${size}, ${size}, 0`
          : undefined;
    if (wrong) return failedRun('failed', batchSize, repeat, elapsedMs, memory, wrong);
    return {
      batchSize,
      repeat,
      outcome: 'completed',
      tasksRescheduled: moved,
      elapsedMs,
      openMs: Number(row.started_ms) - triggeredAt,
      tasksPerSecond: (size / elapsedMs) * 1000,
      memory,
    };
  } finally {
    await worker?.stop();
    await deleteSchedules(ctx.client, config, [RESCHEDULE, 'archive_completed_tasks']);
    await orm.close();
  }
}

function failedRun(
  outcome: 'failed' | 'timed_out',
  batchSize: number,
  repeat: number,
  elapsedMs: number,
  memory: MemoryReport,
  error: string,
): RealRun {
  return { batchSize, repeat, outcome, tasksRescheduled: 0, elapsedMs, openMs: 0, tasksPerSecond: 0, memory, error };
}

function withRate(floor: FloorRun): FloorResult {
  return { ...floor, tasksPerSecond: (floor.rows / floor.elapsedMs) * 1000 };
}

function rate(floor: FloorRun): string {
  return `${fmt(withRate(floor).tasksPerSecond)} tasks/s (${(floor.elapsedMs / 1000).toFixed(1)} s)`;
}
