import type { Pool } from 'pg';

export const RESCHEDULE = 'reschedule_remaining_tasks';

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

type SeedCounts = Record<'overdue' | 'future' | 'completed' | 'cancelled' | 'undated', number>;

/**
 * Replaces every task: `overdue` pending / in-progress tasks due one to 31 days before yesterday
 * (overdue in any zone), plus tasks a run must leave alone: due in the future, completed, cancelled,
 * undated. `faults_seed` remembers each task's original due date and whether it is overdue.
 * Set-based (generate_series), in one transaction (one multi-statement query).
 */
export async function seedTasks(pool: Pool, counts: SeedCounts): Promise<void> {
  const past = `now() - interval '2 days' - (g % 30) * interval '1 day' - (g % 86400) * interval '1 second'`;
  const kinds = {
    overdue: [`CASE WHEN g % 3 = 0 THEN 'in_progress' ELSE 'pending' END`, past],
    future: [`'pending'`, `now() + interval '2 days' + g * interval '1 second'`],
    completed: [`'completed'`, past],
    cancelled: [`'cancelled'`, past],
    undated: [`'pending'`, 'NULL'],
  };
  const inserts = Object.entries(kinds).map(
    ([label, [status, due]]) =>
      `INSERT INTO tasks (user_id, name, due_date_gregorian, due_date_jalali, date_added_jalali, status)
       SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(g % 97), 12, '0'))::uuid, '${label} ' || g, ${due},
              '1404-01-01T09:30:00', '1404-01-01T09:30:00', (${status})::status_enum
         FROM generate_series(1, ${Number(counts[label as keyof typeof counts])}) g;`,
  );
  await pool.query(`DROP TABLE IF EXISTS faults_seed; TRUNCATE tasks; ${inserts.join('\n')}
    CREATE TABLE faults_seed AS SELECT task_id, due_date_gregorian AS due, name LIKE 'overdue %' AS overdue FROM tasks;
    ALTER TABLE faults_seed ADD PRIMARY KEY (task_id); ANALYZE tasks; ANALYZE faults_seed;`);
}

type NullableColumn = 'trigger' | 'workflow_id' | 'workflow_run_id' | 'error_message' | 'logical_time' | 'started_at';
export type ExecutionRow = Record<'execution_id' | 'status', string> &
  Record<NullableColumn, string | null> & { result: Record<string, unknown> | null };

const EXECUTIONS = `
  SELECT e.execution_id, e.status, e.trigger, e.workflow_id, e.workflow_run_id, e.error_message, e.result,
         to_char(e.logical_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS logical_time,
         to_char(e.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at
    FROM automated_process_executions e JOIN automated_processes p USING (process_id)`;

/** reschedule_remaining_tasks's policy as the API stores it (e.g. `{partitions: 1}`: one walk, as the fault was written for). */
export async function setReschedulePolicy(pool: Pool, policy: object): Promise<void> {
  await pool.query(
    `INSERT INTO automated_process_registrations (process_id, implementation, display_name, policy)
     SELECT process_id, name, name, $2::jsonb FROM automated_processes WHERE name = $1
     ON CONFLICT (process_id) DO UPDATE SET policy = excluded.policy`,
    [RESCHEDULE, JSON.stringify(policy)],
  );
}

export function executionsOf(pool: Pool, processName: string): Promise<ExecutionRow[]> {
  return rows<ExecutionRow>(pool, `${EXECUTIONS} WHERE p.name = $1 ORDER BY e.started_at`, [processName]);
}

export function execution(pool: Pool, executionId: string): Promise<ExecutionRow> {
  return one<ExecutionRow>(pool, `${EXECUTIONS} WHERE e.execution_id = $1`, [executionId]);
}

export async function newExecution(pool: Pool, processName: string, known: ReadonlySet<string>) {
  return (await executionsOf(pool, processName)).find((e) => !known.has(e.execution_id));
}

export function movedCount(pool: Pool, executionId: string): Promise<number> {
  return count(pool, 'SELECT count(*) AS n FROM automated_process_task_moves WHERE execution_id = $1', [executionId]);
}

type RunCheck = ReturnType<typeof perfectRun>;

/** What checkRun must say of a run that moved all `overdue` seeded tasks. */
export function perfectRun(overdue: number) {
  return {
    ...{ status: 'completed', tasksFound: overdue as unknown, tasksRescheduled: overdue as unknown },
    ...{ auditRows: overdue, auditDistinctTasks: overdue, auditOfOthers: 0, movedTasksNotAsAudited: 0 },
    ...{ tasksNotAsExpected: 0, runningRows: 0 },
  };
}

/**
 * Everything "moved exactly once" means, for one execution of reschedule_remaining_tasks over the
 * seeded tasks. The audit holds one row per move (so a double move shows as a second row), each
 * audited task has the audit's new due date and had the audit's old one. And, independently of the
 * audit and of the code's own day: every task's due date is what it must be, an overdue task's its
 * local time of day on the run's local day, any other's as seeded. PostgreSQL's AT TIME ZONE is the
 * expected value's wall-clock rule: it agrees with ours in a zone without DST (ZONE), where no time
 * falls in a gap or fold.
 */
export async function checkRun(pool: Pool, executionId: string, timezone: string): Promise<RunCheck> {
  const row = await execution(pool, executionId);
  const counts = await one<Record<string, string>>(
    pool,
    `SELECT count(*) AS "auditRows", count(DISTINCT m.task_id) AS "auditDistinctTasks",
            count(*) FILTER (WHERE s.task_id IS NULL OR NOT s.overdue) AS "auditOfOthers",
            count(*) FILTER (WHERE t.due_date_gregorian IS DISTINCT FROM m.new_due_gregorian
                                OR m.old_due_gregorian IS DISTINCT FROM s.due) AS "movedTasksNotAsAudited",
            (SELECT count(*) FROM tasks t FULL JOIN (
               SELECT s.task_id, CASE WHEN NOT s.overdue THEN s.due
                                      ELSE (day + (s.due AT TIME ZONE $2)::time) AT TIME ZONE $2 END AS due
                 FROM faults_seed s, (SELECT (logical_time AT TIME ZONE $2)::date AS day
                                        FROM automated_process_executions WHERE execution_id = $1) run
             ) x USING (task_id) WHERE t.due_date_gregorian IS DISTINCT FROM x.due) AS "tasksNotAsExpected",
            (SELECT count(*) FROM automated_process_executions WHERE status = 'running') AS "runningRows"
       FROM automated_process_task_moves m LEFT JOIN faults_seed s USING (task_id) LEFT JOIN tasks t USING (task_id)
      WHERE m.execution_id = $1`,
    [executionId, timezone],
  );
  const measured = Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, Number(value)]));
  const { status, result } = row;
  const fromRow = { status, tasksFound: result?.tasks_found, tasksRescheduled: result?.tasks_rescheduled };
  return { ...measured, ...fromRow } as RunCheck;
}
