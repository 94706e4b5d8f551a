/**
 * 1. Reschedule throughput: N overdue tasks (and N that must stay put) moved by one run through the real
 * path (schedule trigger → workflow → activities → completed row), beside the one-statement floors, each
 * on a fresh clone of the seeded database (no inherited dead tuples), the real path with a fresh worker.
 */
import { PROCESS_REGISTRY } from '../processes/registry';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScheduleOverlapPolicy } from '@temporalio/client';
import type { Client as PgClient } from 'pg';
import { segmentCase } from '../activities/reschedule-remaining-tasks';
import { loadConfig } from '../config';
import { initORM } from '../db/orm';
import { silentLogger } from '../platform/logger';
import { ensureProcessRows } from '../processes/process-rows';
import { scheduleIdFor } from '../temporal/ids';
import { addDays, daySegments, formatJalaliDate, formatLocalDate, localDateAt, startOfDay } from '../time';
import { epochNow, log as benchLog, RESCHEDULE, withPg, ZONE, type BenchContext } from './context';
import { benchEnv, withService } from './service';

/** A process that reschedules the tasks of a user who has none: warms a fresh worker up without moving anything. */
const WARMUP = 'bench_warmup';
const NOBODY = '00000000-0000-4000-8000-ffffffffffff';
const DAY_SECONDS = 86_400;

/**
 * One run of the real path: elapsedMs from the schedule trigger to completed_at, openMs to started_at (Temporal's
 * share); tasksPerSecond 0 if it failed, timed out or moved the wrong tasks (see error); peakRssBytes: VmHWM.
 */
export type RealRun = Awaited<ReturnType<typeof realRun>>;
type FloorRun = { readonly elapsedMs: number; readonly tasksPerSecond: number };
export type SizeResult = { size: number; floors: { withAudit: FloorRun; bare: FloorRun }[]; runs: RealRun[] };

export async function measureThroughput(ctx: BenchContext): Promise<SizeResult[]> {
  const results: SizeResult[] = [];
  for (const size of ctx.options.sizes) {
    const log = (line: string) => benchLog(`throughput N=${size.toLocaleString('en-US')}: ${line}`);
    log(`seeding ${2 * size} tasks…`);
    const seeded = `bench_${ctx.runId}_seed_${size}`;
    const seededUrl = await ctx.dbs.create(seeded);
    const day = localDateAt(ZONE, Date.now());
    const dayStartMs = startOfDay(ZONE, day);
    await withPg(seededUrl, (pg) => seedTasks(pg, size, ctx.options.users, dayStartMs));
    // The process rows, as the worker creates them, belong to the data every clone starts from.
    const seedConfig = loadConfig(benchEnv(ctx, 'seed', seededUrl), PROCESS_REGISTRY);
    const orm = await initORM(seededUrl, { poolMax: 2 });
    await ensureProcessRows(orm, PROCESS_REGISTRY, seedConfig, silentLogger).finally(() => orm.close());
    const floor = (what: 'audit' | 'bare'): Promise<FloorRun> =>
      ctx.dbs.withClone(seeded, `${seeded}_${what}`, (url) =>
        withPg(url, async (pg) => {
          const started = performance.now();
          const { rowCount } = await pg.query(...floorQuery(day, dayStartMs, what === 'audit'));
          const elapsedMs = performance.now() - started;
          if (rowCount !== size) throw new Error(`the ${what} floor moved ${rowCount} tasks, not ${size}`);
          log(`${what} floor: ${Math.round((size / elapsedMs) * 1000)} tasks/s`);
          return { elapsedMs, tasksPerSecond: (size / elapsedMs) * 1000 };
        }),
      );
    const result: SizeResult = { size, floors: [], runs: [] };
    // Floors and real runs alternate, repeat by repeat, so a slow spell of the machine hits both.
    for (let repeat = 1; repeat <= repeatsAt(ctx, size); repeat++) {
      ctx.signal.throwIfAborted();
      result.floors.push({ withAudit: await floor('audit'), bare: await floor('bare') });
      for (const batchSize of ctx.options.batchSizes) {
        for (const partitions of ctx.options.partitions) {
          ctx.signal.throwIfAborted();
          const name = `${seeded}_real_${batchSize}_${partitions}_${repeat}`;
          const run = await ctx.dbs.withClone(seeded, name, (url) =>
            realRun(ctx, url, { size, dayStartMs, batchSize, partitions, repeat }),
          );
          const rss = `peak RSS ${Math.round(run.peakRssBytes / 2 ** 20)} MB`;
          const what = `real path, batch ${batchSize}, ${partitions} partition${partitions === 1 ? '' : 's'}`;
          log(`${what}: ${run.error ?? `${Math.round(run.tasksPerSecond)} tasks/s`}, ${rss}`);
          result.runs.push(run);
        }
      }
    }
    await ctx.dbs.drop(seeded);
    results.push(result);
  }
  return results;
}

/** From 10M tasks up a run takes minutes, and each of its databases gigabytes: one repeat unless asked for more. */
const LARGE_SIZE = 10_000_000;

function repeatsAt(ctx: BenchContext, size: number): number {
  return ctx.options.repeats ?? (size >= LARGE_SIZE || ctx.options.quick ? 1 : 3);
}

type RunSpec = { size: number; dayStartMs: number; batchSize: number; partitions: number; repeat: number };

function realRun(ctx: BenchContext, url: string, spec: RunSpec) {
  const { size, dayStartMs, batchSize, partitions, repeat } = spec;
  const label = `${size}-${batchSize}-${partitions}-${repeat}`;
  return withService(ctx, url, label, { batchSize }, async ({ orm, config, stopWorker }) => {
    // The process's policy, as PATCH /processes/:name {"policy": {"partitions": P}} stores it.
    await orm.em.getConnection().execute(
      `INSERT INTO automated_process_registrations (process_id, implementation, display_name, policy)
       SELECT process_id, name, name, jsonb_build_object('partitions', ?::int) FROM automated_processes WHERE name = ?
       ON CONFLICT (process_id) DO UPDATE SET policy = coalesce(automated_process_registrations.policy, '{}') || excluded.policy`,
      [partitions, RESCHEDULE],
    );
    // One run that moves nothing: the worker's first workflow, activity and database connections
    // are paid for before the clock starts, as in a worker that has been up since morning.
    await ctx.client.workflow.execute('rescheduleRemainingTasks', {
      taskQueue: config.taskQueue,
      workflowId: `bench-warmup-${randomUUID()}`,
      args: [{ processName: WARMUP }],
    });
    const triggeredAt = epochNow();
    await ctx.client.schedule.getHandle(scheduleIdFor(RESCHEDULE, config)).trigger(ScheduleOverlapPolicy.SKIP);
    // Generous: 30 minutes, or 200 tasks/s, whichever is longer.
    const deadline = Date.now() + Math.max(30 * 60_000, (size / 200) * 1000);
    type Row = Record<'started_ms' | 'completed_ms' | 'moved' | 'audit' | 'left', number> & { error: string | null };
    let row: Row | undefined;
    while (!row && Date.now() < deadline && !ctx.signal.aborted) {
      await sleep(100);
      // The checks in the select list run only once the run has closed its row.
      [row] = await orm.em.getConnection().execute<Row[]>(
        `SELECT CASE WHEN e.status = 'failed' THEN coalesce(e.error_message, 'failed') END AS error,
                (e.result->>'tasks_rescheduled')::int AS moved,
                extract(epoch FROM e.started_at) * 1000 AS started_ms, extract(epoch FROM e.completed_at) * 1000 AS completed_ms,
                (SELECT count(*) FROM automated_process_task_moves) AS audit,
                (SELECT count(*) FROM tasks WHERE status IN ('pending', 'in_progress') AND due_date_gregorian < ?) AS left
           FROM automated_process_executions e JOIN automated_processes p USING (process_id)
          WHERE p.name = ? AND e.status IN ('completed', 'failed')`,
        [new Date(dayStartMs).toISOString(), RESCHEDULE],
      );
    }
    const peakRssBytes = await stopWorker();
    ctx.signal.throwIfAborted();
    const elapsedMs = (row ? Number(row.completed_ms) : Date.now()) - triggeredAt;
    const run = {
      batchSize,
      partitions,
      repeat,
      elapsedMs,
      openMs: Number(row?.started_ms) - triggeredAt,
      peakRssBytes,
    };
    if (!row) return { ...run, tasksPerSecond: 0, error: 'timed out: no completed row' as string | undefined };
    const found = `${row.moved}, ${row.audit}, ${row.left}`;
    const wrong = `moved, audit rows, overdue left: ${found}, not ${size}, ${size}, 0`;
    const error = row.error ?? (found === `${size}, ${size}, 0` ? undefined : wrong);
    return { ...run, tasksPerSecond: error ? 0 : (size / elapsedMs) * 1000, error };
  });
}

/**
 * The floors: the whole reschedule in one statement, with the real path's overdue filter and time rule
 * (segmentCase), so the only differences are what the real path adds: batches and their commits, row
 * locks, the re-check, ON CONFLICT, counts, Temporal. With `audit`, UPDATE … RETURNING feeds the audit
 * INSERT in one statement; without, the bare UPDATE shows what the audit costs.
 */
function floorQuery(day: ReturnType<typeof localDateAt>, dayStartMs: number, audit: boolean): [string, unknown[]] {
  const params = [ZONE, formatLocalDate(day), formatJalaliDate(addDays(day, 1)), formatJalaliDate(day), dayStartMs];
  const segments = daySegments(ZONE, day);
  const offset = segmentCase(segments, (s) => s.offsetSeconds);
  const shift = segmentCase(segments, (s) => s.wallShiftSeconds);
  const update = `UPDATE tasks t
     SET due_date_gregorian = (($2::date + p.tod) - make_interval(secs => ${offset})) AT TIME ZONE 'UTC',
         due_date_jalali = CASE WHEN p.sod + ${shift} >= 86400 THEN $3 ELSE $4 END
           || 'T' || to_char(time '00:00' + make_interval(secs => p.sod + ${shift}), 'HH24:MI:SS'),
         updated_at = now()
    FROM (SELECT task_id, due_date_gregorian AS old_due, due_date_jalali AS old_jalali, tod, extract(epoch FROM tod) AS sod
            FROM tasks, LATERAL (SELECT (due_date_gregorian AT TIME ZONE $1)::time AS tod) l
           WHERE status = ANY('{pending,in_progress}'::status_enum[]) AND due_date_gregorian < to_timestamp($5::float8 / 1000)) p
   WHERE t.task_id = p.task_id`;
  if (!audit) return [update, params];
  // The audit rows reference an execution: the floor opens one first, as beginExecution would.
  const sql = `WITH execution AS (
       INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, trigger, workflow_id)
       SELECT '${randomUUID()}', process_id, 'running', now(), 'manual', 'bench-floor'
         FROM automated_processes WHERE name = '${RESCHEDULE}' RETURNING execution_id),
     moved AS (${update}
       RETURNING t.task_id, p.old_due, p.old_jalali, t.due_date_gregorian AS new_due, t.due_date_jalali AS new_jalali)
     INSERT INTO automated_process_task_moves
            (execution_id, task_id, old_due_gregorian, new_due_gregorian, old_due_jalali, new_due_jalali)
     SELECT execution.execution_id, task_id, old_due, new_due, old_jalali, new_jalali FROM moved, execution`;
  return [sql, params];
}

/**
 * Seeds one size's tasks in one set-based statement, and the warm-up process. Deterministic, so sizes
 * compare like with like. Rows 1..2N, odd and even interleaved so the tasks to move are all over the heap:
 * - overdue (odd): pending (3 in 4) or in_progress, due 1 to 60 days before the day;
 * - not overdue (even), by thirds: pending and due 2 to 61 days after it; completed, or cancelled,
 *   and due in the same past range (what a real table is mostly made of, and the filter must skip).
 * Times of day cover all 86,400 seconds (a multiplier coprime with 86,400), so every segment of the CASE
 * is exercised.
 */
async function seedTasks(pg: PgClient, size: number, users: number, dayStartMs: number): Promise<void> {
  await pg.query(
    `INSERT INTO tasks (user_id, name, due_date_gregorian, due_date_jalali, date_added_jalali, status, completed_at)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(k % $2), 12, '0'))::uuid, 'bench task ' || i, due,
            '1404-08-' || lpad((1 + k % 28)::text, 2, '0') || 'T' || to_char(time '00:00' + make_interval(secs => sod), 'HH24:MI:SS'),
            '1404-01-01T00:00:00', status::status_enum, CASE WHEN status = 'completed' THEN due END
       FROM generate_series(1, 2 * $1::int) AS i,
            LATERAL (SELECT (i + 1) / 2 AS k, i % 2 = 1 AS is_overdue, (i::bigint * 7919) % ${DAY_SECONDS} AS sod) r,
            LATERAL (SELECT
              CASE WHEN is_overdue OR k % 3 <> 0
                   THEN to_timestamp($3::float8 / 1000) - make_interval(secs => ${DAY_SECONDS} * (1 + k % 60)) + make_interval(secs => sod)
                   ELSE to_timestamp($3::float8 / 1000) + make_interval(secs => ${DAY_SECONDS} * (2 + k % 60)) + make_interval(secs => sod)
              END AS due,
              CASE WHEN is_overdue THEN CASE WHEN k % 4 = 0 THEN 'in_progress' ELSE 'pending' END
                   ELSE (ARRAY['pending', 'completed', 'cancelled'])[1 + k % 3] END AS status) d`,
    [size, users, dayStartMs],
  );
  await pg.query(
    `INSERT INTO automated_processes (name, trigger_type, schedule_config, process_config) VALUES
     ('${WARMUP}', 'manual', '{"hour": 0, "minute": 0, "timezone": "${ZONE}"}', '{"user_ids": ["${NOBODY}"]}')`,
  );
  // Clones copy the files, statistics and visibility map included: every measurement starts from a
  // vacuumed, analysed table, as a production table that autovacuum keeps up with would be.
  await pg.query('VACUUM (ANALYZE) tasks');
}
