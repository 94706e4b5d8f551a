import { Pool } from 'pg';
import { parseLocalDate, startOfDay } from '../../time';

/** A small pool for arranging and asserting; it survives PostgreSQL restarts (broken clients are dropped). */
export function openPool(databaseUrl: string): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: 3, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => undefined); // an idle client lost to a server stopped on purpose
  return pool;
}

export async function rows<T>(pool: Pool, text: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(text, params)).rows as T[];
}

export async function one<T>(pool: Pool, text: string, params: unknown[] = []): Promise<T> {
  const [row] = await rows<T>(pool, text, params);
  if (row === undefined) throw new Error(`no row: ${text}`);
  return row;
}

export async function count(pool: Pool, text: string, params: unknown[] = []): Promise<number> {
  return Number((await one<{ n: string }>(pool, text, params)).n);
}

export const RESCHEDULE = 'reschedule_remaining_tasks';

export interface SeedCounts {
  readonly overdue: number;
  readonly future: number;
  readonly completed: number;
  readonly cancelled: number;
  readonly undated: number;
}

/**
 * Replaces every task: `overdue` pending / in-progress tasks due one to 31 days before yesterday
 * (overdue in any zone), plus tasks a run must leave alone: due in the future, completed, cancelled,
 * undated. `faults_seed` remembers each task's original due date and whether it is overdue.
 * Set-based (generate_series), one transaction.
 */
export async function seedTasks(pool: Pool, counts: SeedCounts): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('DROP TABLE IF EXISTS faults_seed');
    await client.query('TRUNCATE tasks');
    const insert = (status: string, due: string, n: number, label: string) =>
      client.query(
        `INSERT INTO tasks (user_id, name, due_date_gregorian, due_date_jalali, date_added_jalali, status)
         SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g % 97), 12, '0'))::uuid, $2 || ' ' || g, ${due},
                '1404-01-01T09:30:00', '1404-01-01T09:30:00', ${status}
           FROM generate_series(1, $1::int) g`,
        [n, label],
      );
    const past = `now() - interval '2 days' - (g % 30) * interval '1 day' - (g % 86400) * interval '1 second'`;
    await insert(
      `(CASE WHEN g % 3 = 0 THEN 'in_progress' ELSE 'pending' END)::status_enum`,
      past,
      counts.overdue,
      'overdue',
    );
    await insert(
      `'pending'::status_enum`,
      `now() + interval '2 days' + g * interval '1 second'`,
      counts.future,
      'future',
    );
    await insert(`'completed'::status_enum`, past, counts.completed, 'completed');
    await insert(`'cancelled'::status_enum`, past, counts.cancelled, 'cancelled');
    await insert(`'pending'::status_enum`, 'NULL', counts.undated, 'undated');
    await client.query(
      `CREATE TABLE faults_seed AS
         SELECT task_id, due_date_gregorian AS due, name LIKE 'overdue %' AS overdue FROM tasks`,
    );
    await client.query('ALTER TABLE faults_seed ADD PRIMARY KEY (task_id)');
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  await pool.query('ANALYZE tasks');
  await pool.query('ANALYZE faults_seed');
}

export interface ExecutionRow {
  execution_id: string;
  status: string;
  trigger: string | null;
  workflow_id: string | null;
  workflow_run_id: string | null;
  error_message: string | null;
  result: Record<string, unknown> | null;
  logical_time: string | null;
  started_at: string | null;
}

export async function executionsOf(pool: Pool, processName: string): Promise<ExecutionRow[]> {
  return rows<ExecutionRow>(
    pool,
    `SELECT e.execution_id, e.status, e.trigger, e.workflow_id, e.workflow_run_id, e.error_message, e.result,
            to_char(e.logical_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS logical_time,
            to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = $1 ORDER BY e.started_at`,
    [processName],
  );
}

export async function execution(pool: Pool, executionId: string): Promise<ExecutionRow> {
  return one<ExecutionRow>(
    pool,
    `SELECT execution_id, status, trigger, workflow_id, workflow_run_id, error_message, result,
            to_char(logical_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS logical_time,
            to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at
       FROM automated_process_executions WHERE execution_id = $1`,
    [executionId],
  );
}

/** The first execution of the process whose id is not in `known`. */
export async function newExecution(pool: Pool, processName: string, known: ReadonlySet<string>) {
  return (await executionsOf(pool, processName)).find((e) => !known.has(e.execution_id));
}

export function movedCount(pool: Pool, executionId: string): Promise<number> {
  return count(pool, 'SELECT count(*) AS n FROM automated_process_task_moves WHERE execution_id = $1', [executionId]);
}

export interface RunCheck {
  readonly status: string;
  readonly tasksFound: unknown;
  readonly tasksRescheduled: unknown;
  readonly auditRows: number;
  readonly auditDistinctTasks: number;
  readonly auditOfOverdue: number;
  readonly auditOfOthers: number;
  readonly movedTasksNotAsAudited: number;
  readonly overdueLeft: number;
  readonly othersChanged: number;
  readonly runningRows: number;
}

/**
 * Everything "moved exactly once" means, for one execution of reschedule_remaining_tasks over the
 * seeded tasks: the audit holds each overdue task once and nothing else, each audited task has the
 * audit's new due date and had the audit's old one, nothing overdue is left for the run's day, the
 * other tasks are untouched, and the execution row's counts agree.
 */
export async function checkRun(pool: Pool, executionId: string, timezone: string): Promise<RunCheck> {
  const row = await execution(pool, executionId);
  const audit = await one<{ n: string; tasks: string; overdue: string; others: string; wrong: string }>(
    pool,
    `SELECT count(*) AS n, count(DISTINCT m.task_id) AS tasks,
            count(*) FILTER (WHERE s.overdue) AS overdue,
            count(*) FILTER (WHERE s.task_id IS NULL OR NOT s.overdue) AS others,
            count(*) FILTER (WHERE t.due_date_gregorian IS DISTINCT FROM m.new_due_gregorian
                                OR m.old_due_gregorian IS DISTINCT FROM s.due) AS wrong
       FROM automated_process_task_moves m
       LEFT JOIN faults_seed s USING (task_id)
       LEFT JOIN tasks t USING (task_id)
      WHERE m.execution_id = $1`,
    [executionId],
  );
  const targetDate = String(row.result?.target_date ?? '');
  const dayStart = targetDate ? new Date(startOfDay(timezone, parseLocalDate(targetDate))).toISOString() : null;
  const overdueLeft = dayStart
    ? await count(
        pool,
        `SELECT count(*) AS n FROM tasks WHERE status IN ('pending', 'in_progress') AND due_date_gregorian < $1`,
        [dayStart],
      )
    : -1;
  const othersChanged = await count(
    pool,
    `SELECT count(*) AS n FROM tasks t JOIN faults_seed s USING (task_id)
      WHERE NOT s.overdue AND t.due_date_gregorian IS DISTINCT FROM s.due`,
  );
  const runningRows = await count(
    pool,
    `SELECT count(*) AS n FROM automated_process_executions WHERE status = 'running'`,
  );
  return {
    status: row.status,
    tasksFound: row.result?.tasks_found,
    tasksRescheduled: row.result?.tasks_rescheduled,
    auditRows: Number(audit.n),
    auditDistinctTasks: Number(audit.tasks),
    auditOfOverdue: Number(audit.overdue),
    auditOfOthers: Number(audit.others),
    movedTasksNotAsAudited: Number(audit.wrong),
    overdueLeft,
    othersChanged,
    runningRows,
  };
}

/** What checkRun must say of a run that moved all `overdue` seeded tasks. */
export function perfectRun(overdue: number): RunCheck {
  return {
    status: 'completed',
    tasksFound: overdue,
    tasksRescheduled: overdue,
    auditRows: overdue,
    auditDistinctTasks: overdue,
    auditOfOverdue: overdue,
    auditOfOthers: 0,
    movedTasksNotAsAudited: 0,
    overdueLeft: 0,
    othersChanged: 0,
    runningRows: 0,
  };
}
