import { randomUUID } from 'node:crypto';
import type { RunContext } from '../../activities/run-types';
import type { Orm } from '../../db/orm';
import { sql } from './database';

export interface TaskInput {
  readonly userId?: string;
  readonly name?: string;
  readonly due: string | null;
  readonly status?: 'pending' | 'in_progress' | 'completed' | 'cancelled';
  readonly dueJalali?: string | null;
  readonly completedAt?: string | null;
  readonly tags?: string[] | null;
}

export const USER_A = '00000000-0000-4000-8000-00000000000a';
export const USER_B = '00000000-0000-4000-8000-00000000000b';

/**
 * Behflow's users row for a task's owner, where Behflow's users table exists (its tasks reference it).
 * Tests write tasks as Behflow does, every column given: a create_all database has no server defaults.
 */
export async function ensureUsers(orm: Orm, userIds: readonly string[]): Promise<void> {
  await sql(
    orm,
    `DO $$ BEGIN
       IF to_regclass('users') IS NOT NULL THEN
         INSERT INTO users (user_id, username)
           SELECT u, 'user-' || u FROM unnest('{${userIds.join(',')}}'::uuid[]) u ON CONFLICT DO NOTHING;
       END IF;
     END $$`,
  );
}

/** A column's type as this database has it, to cast to (create_all names the enum types statusenum and so on). */
export async function columnType(orm: Orm, table: string, column: string): Promise<string> {
  const [row] = await sql<{ type: string }>(
    orm,
    `SELECT format_type(atttypid, NULL) AS type FROM pg_attribute WHERE attrelid = ?::regclass AND attname = ?`,
    [table, column],
  );
  if (!row) throw new Error(`no column ${table}.${column}`);
  return row.type;
}

export async function insertTask(orm: Orm, task: TaskInput): Promise<string> {
  const id = randomUUID();
  const userId = task.userId ?? USER_A;
  await ensureUsers(orm, [userId]);
  await sql(
    orm,
    `INSERT INTO tasks (task_id, user_id, name, due_date_gregorian, date_added_gregorian, due_date_jalali,
                        date_added_jalali, priority, status, completed_at, tags, updated_at)
     VALUES (?, ?, ?, ?, now(), ?, '1404-01-01T00:00:00', 'medium', ?, ?, ?, now())`,
    [
      id,
      userId,
      task.name ?? `task ${id.slice(0, 8)}`,
      task.due,
      task.dueJalali ?? null,
      task.status ?? 'pending',
      task.completedAt ?? null,
      task.tags ? `{${task.tags.join(',')}}` : null,
    ],
  );
  return id;
}

/**
 * Many tasks of one user from a SELECT over `generate_series(...) i`: `due` (and `status`, `name`) are
 * SQL expressions in i; their parameters follow the user id.
 */
export async function insertTaskSeries(
  orm: Orm,
  series: { from: string; due: string; status?: string; name?: string; userId?: string },
  params: unknown[] = [],
): Promise<void> {
  const userId = series.userId ?? USER_A;
  await ensureUsers(orm, [userId]);
  await sql(
    orm,
    `INSERT INTO tasks (task_id, user_id, name, due_date_gregorian, date_added_gregorian, date_added_jalali,
                        priority, status, updated_at)
     SELECT gen_random_uuid(), ?::uuid, ${series.name ?? "'bulk ' || i"}, ${series.due}, now(), '1404-01-01T00:00:00',
            'medium', ${series.status ?? "'pending'"}, now()
       FROM ${series.from}`,
    [userId, ...params],
  );
}

/** SQL for an ISO-8601 UTC string of a timestamptz column, exact to the millisecond. */
export function isoSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export async function dueOf(orm: Orm, taskId: string): Promise<{ due: string | null; jalali: string | null }> {
  const [row] = await sql<{ due: string | null; jalali: string | null }>(
    orm,
    `SELECT ${isoSql('due_date_gregorian')} AS due, due_date_jalali AS jalali FROM tasks WHERE task_id = ?`,
    [taskId],
  );
  if (!row) throw new Error(`no task ${taskId}`);
  return row;
}

export async function insertProcess(
  orm: Orm,
  options: { name?: string; timezone?: string; hour?: number; minute?: number; config?: Record<string, unknown> } = {},
): Promise<{ processId: string; name: string }> {
  const processId = randomUUID();
  const name = options.name ?? `process_${processId.slice(0, 8)}`;
  await sql(
    orm,
    `INSERT INTO automated_processes (process_id, name, trigger_type, schedule_config, process_config, is_enabled,
                                      created_at, updated_at)
     VALUES (?, ?, 'time_based', ?, ?, true, now(), now())`,
    [
      processId,
      name,
      JSON.stringify({
        hour: options.hour ?? 7,
        minute: options.minute ?? 30,
        timezone: options.timezone ?? 'Asia/Tehran',
      }),
      JSON.stringify(options.config ?? {}),
    ],
  );
  return { processId, name };
}

/** A process row and an open execution row, as beginExecution leaves them. */
export async function arrangeRun(
  orm: Orm,
  options: { timezone: string; day: string; logicalTime: string; config?: Record<string, unknown> },
): Promise<RunContext> {
  const { processId, name } = await insertProcess(orm, { timezone: options.timezone, config: options.config });
  const executionId = randomUUID();
  await sql(
    orm,
    `INSERT INTO automated_process_executions (execution_id, process_id, status, started_at, workflow_id)
     VALUES (?, ?, 'running', now(), ?)`,
    [executionId, processId, `test-${executionId}`],
  );
  return {
    executionId,
    processId,
    processName: name,
    timezone: options.timezone,
    logicalTime: options.logicalTime,
    day: options.day,
    processConfig: options.config ?? {},
  };
}
