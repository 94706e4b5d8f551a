/**
 * The console bench's data: N execution rows over the registered processes and M task-move audit rows
 * over the reschedule runs, spread over two years, in the real tables with the indexes the migrations
 * build, written by a few set-based statements (no row goes through the ORM or a round trip of its own).
 */
import type { Client as PgClient } from 'pg';
import { RESCHEDULE } from './context';

/**
 * A run's audit rows share their batch's commit time (moved_at is the transaction's now()), as the
 * real activity writes them in batches of RESCHEDULE_BATCH_SIZE (default 1,000).
 */
const SEEDED_BATCH_SIZE = 1000;

export interface ConsoleSeedSize {
  readonly executions: number;
  readonly moves: number;
}

/** A reschedule run in 5,000 moves this many tasks, one in 250 (of the rest) a thousand; the others a few. */
const HEAVY_EVERY = 5000;
const HEAVY_MOVES = 20_000;
const MEDIUM_EVERY = 250;
const MEDIUM_MOVES = 1000;
/** As the activity's result has it (TASK_DETAILS_SAMPLE in activities/reschedule-remaining-tasks.ts). */
const TASK_DETAILS_SAMPLE = 100;

/** What the pages are asked about afterwards: the rows' counts and where they went. */
export interface SeedSummary {
  readonly executions: number;
  readonly moves: number;
  readonly largestRun: number;
  readonly seconds: number;
}

/**
 * The plan (bench_plan, in the benchmark's database only: one row per execution, with its process, status, start and how many
 * tasks it moved), then the executions with their result JSON, then the audit rows, then VACUUM ANALYZE
 * (autovacuum's doing on a real server; without it the first plans are guesses).
 * Execution i of n is i/n of two years after the first; the newest of each process is running.
 */
export async function seedConsoleData(pg: PgClient, size: ConsoleSeedSize): Promise<SeedSummary> {
  const started = performance.now();
  const processes = await pg.query<{ process_id: string; name: string }>(
    'SELECT process_id, name FROM automated_processes ORDER BY name = $1 DESC, name',
    [RESCHEDULE],
  );
  const [reschedule, ...others] = processes.rows;
  if (reschedule?.name !== RESCHEDULE || others.length === 0) throw new Error('the process rows are missing');
  // Seven runs in ten are reschedule's (the others share the rest): it is the one with an audit.
  const otherIds = others.map((p) => p.process_id);
  await pg.query('SELECT setseed(0.13)');
  await pg.query(
    `CREATE UNLOGGED TABLE bench_plan AS
     SELECT i, gen_random_uuid() AS execution_id,
            CASE WHEN i % 10 < 7 THEN $2::uuid ELSE ($3::uuid[])[1 + (i % 10 - 7) % cardinality($3::uuid[])] END
              AS process_id,
            now() - interval '730 days' * (1 - i::float8 / $1) + (i % 60) * interval '1 second' AS started_at,
            CASE WHEN i % 1000 = 7 THEN 'pending' WHEN i % 25 = 3 THEN 'failed' ELSE 'completed' END AS status,
            -- Behflow's own rows (its APScheduler, or from before the switch): no workflow, no trigger.
            i % 1000 IN (7, 11) AS behflow_row,
            CASE WHEN i % 500 = 13 THEN 'rerun' WHEN i % 200 = 9 THEN 'backfill'
                 WHEN i % 50 = 5 THEN 'manual' ELSE 'schedule' END AS trigger,
            NULL::int AS moves
       FROM generate_series(1, $1) i`,
    [size.executions, reschedule.process_id, otherIds],
  );
  // The newest run of each process is still running (one per process: behflow_processes_executions_running_slot).
  await pg.query(
    `UPDATE bench_plan SET status = 'running' WHERE i IN (SELECT max(i) FROM bench_plan WHERE NOT behflow_row GROUP BY process_id)`,
  );
  await pg.query(
    `UPDATE bench_plan SET moves = CASE WHEN process_id <> $1 OR status = 'pending' THEN 0
                                   WHEN i % $2 = 0 THEN $3 WHEN i % $4 = 0 THEN $5 END`,
    [reschedule.process_id, HEAVY_EVERY, HEAVY_MOVES, MEDIUM_EVERY, MEDIUM_MOVES],
  );
  // The other reschedule runs move a few tasks each (uniform from 0 to twice the mean), to make M in all.
  await pg.query(
    `UPDATE bench_plan SET moves = floor(random() * (2 * greatest(0, ($1 - b.big) / b.small::float8) + 1))
       FROM (SELECT coalesce(sum(moves), 0) AS big, greatest(count(*) FILTER (WHERE moves IS NULL), 1) AS small
               FROM bench_plan) b
      WHERE moves IS NULL`,
    [size.moves],
  );
  await pg.query('CREATE INDEX ON bench_plan (i)');
  // Tasks come from a pool, so that a task moves in many runs (as an overdue task does, day after day);
  // within one run its tasks are distinct (the audit's unique key is execution, task and old due date).
  const pool = Math.max(50_000, Math.ceil(size.moves / 50), HEAVY_MOVES + 1);
  const taskId = (g: string) => `md5(((p.i::bigint * 7919 + ${g}) % ${pool})::text)::uuid`;
  const jalali = (t: string) => `to_char(${t} - interval '621 years' - interval '79 days', 'YYYY-MM-DD')`;
  const due = `date_trunc('day', p.started_at) + interval '20 hours'`;
  await pg.query(
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, completed_at, result, error_message,
        trigger, logical_time, workflow_id, workflow_run_id)
     SELECT p.execution_id, p.process_id, p.status::process_status_enum,
            CASE WHEN p.status = 'pending' THEN NULL ELSE p.started_at END,
            CASE WHEN p.status IN ('completed', 'failed') THEN p.started_at + (0.3 + p.moves * 0.0004) * interval '1 second' END,
            CASE WHEN p.status <> 'completed' THEN NULL
                 WHEN p.process_id = $1 THEN jsonb_build_object(
                   'success', true, 'tasks_found', p.moves, 'tasks_rescheduled', p.moves,
                   'execution_time', to_char(p.started_at AT TIME ZONE 'Asia/Tehran', 'YYYY-MM-DD"T"HH24:MI:SS"+03:30"'),
                   'target_date', to_char(p.started_at, 'YYYY-MM-DD'),
                   'task_details', coalesce((SELECT jsonb_agg(jsonb_build_object(
                        'task_id', ${taskId('g')}, 'task_name', 'Task ' || ((p.i::bigint * 7919 + g) % ${pool}),
                        'user_id', md5(((p.i::bigint * 7919 + g) % 1000)::text)::uuid,
                        'old_due_jalali', ${jalali(`${due} - (1 + g % 30) * interval '1 day'`)},
                        'new_due_jalali', ${jalali(`${due} + interval '1 day'`)},
                        'old_due', to_char(${due} - (1 + g % 30) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                        'new_due', to_char(${due} + interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
                      FROM generate_series(1, least(p.moves, ${TASK_DETAILS_SAMPLE})) g), '[]'::jsonb),
                   'task_details_total', p.moves, 'task_details_truncated', p.moves > ${TASK_DETAILS_SAMPLE})
                 ELSE jsonb_build_object('success', true, 'tasks_archived', p.i % 40, 'older_than_days', 30,
                   'cutoff', to_char(p.started_at - interval '30 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   'execution_time', to_char(p.started_at, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) END,
            CASE WHEN p.status = 'failed' THEN 'Activity task failed: connection to the database was lost (attempt 5 of 5)' END,
            CASE WHEN NOT p.behflow_row THEN p.trigger END,
            CASE WHEN NOT p.behflow_row THEN date_trunc('minute', p.started_at) END,
            CASE WHEN NOT p.behflow_row THEN 'behflow-processes/' || p.trigger || '-' || p.execution_id END,
            CASE WHEN NOT p.behflow_row THEN gen_random_uuid()::text END
       FROM bench_plan p ORDER BY p.i`,
    [reschedule.process_id],
  );
  // The rows are consistent by construction: skip the foreign-key trigger's 10 million look-ups, and
  // build the audit's secondary indexes once, afterwards, as they were (random task ids: one sort each
  // instead of 10 million scattered insertions), the way a bulk load is done.
  await pg.query('SET session_replication_role = replica');
  await pg.query(`SET maintenance_work_mem = '1GB'`);
  const rebuild = await dropSecondaryIndexes(pg, 'automated_process_task_moves');
  await pg.query(
    `INSERT INTO automated_process_task_moves
       (execution_id, task_id, old_due_gregorian, new_due_gregorian, old_due_jalali, new_due_jalali, moved_at)
     SELECT p.execution_id, ${taskId('g')},
            ${due} - (1 + g % 30) * interval '1 day', ${due} + interval '1 day',
            ${jalali(`${due} - (1 + g % 30) * interval '1 day'`)}, ${jalali(`${due} + interval '1 day'`)},
            p.started_at + ((g - 1) / ${SEEDED_BATCH_SIZE}) * interval '400 milliseconds'
       FROM bench_plan p CROSS JOIN LATERAL generate_series(1, p.moves) g
      WHERE p.moves > 0`,
  );
  for (const statement of rebuild) await pg.query(statement);
  await pg.query('RESET session_replication_role');
  await pg.query('VACUUM ANALYZE automated_process_executions, automated_process_task_moves');
  const { rows } = await pg.query<{ executions: string; moves: string; largest: string | null }>(
    `SELECT (SELECT count(*) FROM bench_plan) AS executions, (SELECT sum(moves) FROM bench_plan) AS moves,
            (SELECT max(moves) FROM bench_plan) AS largest`,
  );
  const [counts] = rows;
  return {
    executions: Number(counts?.executions),
    moves: Number(counts?.moves),
    largestRun: Number(counts?.largest),
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Drops the table's indexes and unique constraints other than its primary key, giving the statements that
 * make them again as they were (pg_get_indexdef and pg_get_constraintdef: names and definitions unchanged).
 */
async function dropSecondaryIndexes(pg: PgClient, table: string): Promise<string[]> {
  const { rows } = await pg.query<{ name: string; constraint: boolean; definition: string }>(
    `SELECT coalesce(con.conname, c.relname) AS name, con.oid IS NOT NULL AS constraint,
            coalesce(pg_get_constraintdef(con.oid), pg_get_indexdef(i.indexrelid)) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid
      WHERE i.indrelid = $1::regclass AND NOT i.indisprimary`,
    [table],
  );
  for (const { name, constraint } of rows)
    await pg.query(constraint ? `ALTER TABLE ${table} DROP CONSTRAINT ${name}` : `DROP INDEX ${name}`);
  return rows.map(({ name, constraint, definition }) =>
    constraint ? `ALTER TABLE ${table} ADD CONSTRAINT ${name} ${definition}` : definition,
  );
}
