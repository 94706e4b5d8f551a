/**
 * The throughput floors: the whole reschedule done by one hand-written statement, with the same
 * overdue filter and the same time rule as activities/reschedule-remaining-tasks.ts (the CASE over
 * the day's offset segments from `daySegments`), so the only differences from the real path are
 * what the real path adds: batches and their commits, row locks, the re-check, ON CONFLICT, counts,
 * Temporal. `bare` is the UPDATE alone, to show what writing the audit costs.
 */
import type { Client } from 'pg';
import { addDays, daySegments, formatJalaliDate, type LocalDate } from '../../time';
import { segmentCase } from '../../activities/reschedule-remaining-tasks';

export interface FloorRun {
  readonly kind: 'sql_with_audit' | 'bare_update';
  readonly rows: number;
  readonly elapsedMs: number;
}

export interface DayPlan {
  readonly zone: string;
  readonly day: string;
  readonly date: LocalDate;
  readonly dayStartMs: number;
}

function updateSql(plan: DayPlan, returning: boolean): string {
  const segments = daySegments(plan.zone, plan.date);
  const offset = segmentCase(segments, (s) => s.offsetSeconds);
  const shift = segmentCase(segments, (s) => s.wallShiftSeconds);
  return `UPDATE tasks t
     SET due_date_gregorian = (($2::date + p.tod) - make_interval(secs => ${offset})) AT TIME ZONE 'UTC',
         due_date_jalali = CASE WHEN p.sod + ${shift} >= 86400 THEN $3 ELSE $4 END
           || 'T' || to_char(time '00:00' + make_interval(secs => p.sod + ${shift}), 'HH24:MI:SS'),
         updated_at = now()
    FROM (SELECT task_id, due_date_gregorian AS old_due, due_date_jalali AS old_jalali, tod, extract(epoch FROM tod) AS sod
            FROM tasks, LATERAL (SELECT (due_date_gregorian AT TIME ZONE $1)::time AS tod) l
           WHERE status = ANY('{pending,in_progress}'::status_enum[]) AND due_date_gregorian < to_timestamp($5::float8 / 1000)) p
   WHERE t.task_id = p.task_id
   ${returning ? 'RETURNING t.task_id, p.old_due, p.old_jalali, t.due_date_gregorian AS new_due, t.due_date_jalali AS new_jalali' : ''}`;
}

function params(plan: DayPlan): unknown[] {
  return [plan.zone, plan.day, formatJalaliDate(addDays(plan.date, 1)), formatJalaliDate(plan.date), plan.dayStartMs];
}

/** UPDATE … RETURNING feeding the audit INSERT, in one statement and one commit. */
export async function rescheduleWithAudit(client: Client, plan: DayPlan, executionId: string): Promise<FloorRun> {
  const started = performance.now();
  const result = await client.query(
    `WITH moved AS (${updateSql(plan, true)})
     INSERT INTO automated_process_task_moves
            (execution_id, task_id, old_due_gregorian, new_due_gregorian, old_due_jalali, new_due_jalali)
     SELECT $6, task_id, old_due, new_due, old_jalali, new_jalali FROM moved`,
    [...params(plan), executionId],
  );
  return { kind: 'sql_with_audit', rows: result.rowCount ?? 0, elapsedMs: performance.now() - started };
}

/** The UPDATE alone: no audit rows. */
export async function rescheduleBare(client: Client, plan: DayPlan): Promise<FloorRun> {
  const started = performance.now();
  const result = await client.query(updateSql(plan, false), params(plan));
  return { kind: 'bare_update', rows: result.rowCount ?? 0, elapsedMs: performance.now() - started };
}
