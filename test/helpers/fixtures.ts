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

export async function insertTask(orm: Orm, task: TaskInput): Promise<string> {
  const id = randomUUID();
  await sql(
    orm,
    `INSERT INTO tasks (task_id, user_id, name, due_date_gregorian, due_date_jalali, date_added_jalali, status, completed_at, tags)
     VALUES (?, ?, ?, ?, ?, '1404-01-01T00:00:00', ?::status_enum, ?, ?::text[])`,
    [
      id,
      task.userId ?? USER_A,
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
    `INSERT INTO automated_processes (process_id, name, trigger_type, schedule_config, process_config)
     VALUES (?, ?, 'time_based', ?::jsonb, ?::jsonb)`,
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
