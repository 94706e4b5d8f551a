import { Context } from '@temporalio/activity';
import { TaskStatus } from '../db/entities';
import type { Orm } from '../db/orm';
import {
  InvalidProcessConfigError,
  readBoolean,
  readObject,
  readUserIds,
  rejectUnknownKeys,
} from '../config/process-config';
import {
  addDays,
  daySegments,
  formatIsoWithOffset,
  formatJalaliDate,
  parseLocalDate,
  startOfDay,
  type DaySegment,
} from '../time';
import type { ActivityDeps } from './deps';
import type { ProcessResult, RunContext } from './run-types';
import { failOnBadConfig, throwIfCancelled } from './activity-helpers';
import { scopeOfRun } from './event-scope';
import { pgArray } from './sql';

export const RESCHEDULABLE_STATUSES = [TaskStatus.Pending, TaskStatus.InProgress] as const;
/**
 * Behflow keeps `task_details[:100]`. 100 entries are at most ~100 KB (names are varchar(255)),
 * far under Temporal's 2 MB payload limit.
 */
const TASK_DETAILS_SAMPLE = 100;

export interface RescheduleConfig {
  readonly includeStatuses: readonly TaskStatus[];
  readonly userIds: readonly string[] | null;
  readonly updateToToday: boolean;
}

/** Behflow's row holds {"include_statuses": [...], "update_to_today": true}; user_ids is ours. */
export function parseRescheduleConfig(raw: unknown): RescheduleConfig {
  const config = readObject(raw, 'process_config');
  rejectUnknownKeys(config, 'process_config', ['include_statuses', 'update_to_today', 'user_ids']);
  return {
    includeStatuses: readStatuses(config.include_statuses),
    userIds: readUserIds(config.user_ids, 'process_config.user_ids'),
    updateToToday: readBoolean(config.update_to_today, 'process_config.update_to_today', true),
  };
}

function readStatuses(value: unknown): TaskStatus[] {
  if (value === undefined || value === null) return [...RESCHEDULABLE_STATUSES];
  const allowed: readonly string[] = RESCHEDULABLE_STATUSES;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((s) => typeof s === 'string' && allowed.includes(s))
  ) {
    throw new InvalidProcessConfigError(
      'process_config.include_statuses',
      `must be a non-empty list of ${RESCHEDULABLE_STATUSES.join(', ')} (completed and cancelled tasks are never moved)`,
    );
  }
  return [...new Set(value as TaskStatus[])];
}

/**
 * Where the walk over the table's pages is: batches take the overdue tasks in physical order, so
 * each page is read and written once (in due-date order every batch dirtied pages all over the
 * table, and a run took half as long again as one UPDATE of them all).
 */
export interface HeapWalk {
  /** The row (ctid) the last full batch ended at; the next batch starts after it. */
  readonly after: string;
  /** The table's page count when the run began: later pages hold only rows written since. */
  readonly endPage: number;
  /** Pages a batch looks at, adjusted as it goes to hold about RESCHEDULE_BATCH_SIZE overdue tasks. */
  readonly pagesPerBatch: number;
}

export interface RescheduleProgress {
  readonly tasksFound: number;
  readonly tasksRescheduled: number;
  readonly batches: number;
  readonly walk?: HeapWalk;
}

export function createRescheduleActivities({ orm, batchSize }: ActivityDeps) {
  const activities = {
    /**
     * Moves every overdue task to the run's day at its own local time, in committed batches.
     * Safe to retry: moved tasks no longer match, and counts come from the audit rows.
     */
    async rescheduleRemainingTasks(run: RunContext): Promise<ProcessResult> {
      const configured = failOnBadConfig(() => parseRescheduleConfig(run.processConfig));
      // An event run moves only its event's users' tasks, to their zone's today when the event says it.
      const scope = failOnBadConfig(() => scopeOfRun(run, configured.userIds));
      const config = { ...configured, userIds: scope.userIds };
      const day = parseLocalDate(scope.day);
      const plan = {
        executionId: run.executionId,
        timezone: scope.timezone,
        day: scope.day,
        dayStart: new Date(startOfDay(scope.timezone, day)).toISOString(),
        jalaliDay: formatJalaliDate(day),
        jalaliNextDay: formatJalaliDate(addDays(day, 1)),
        segments: daySegments(scope.timezone, day),
        config,
      };
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as RescheduleProgress | undefined;
      const alreadyMoved = await countMoved(orm, run.executionId);
      const tasksFound = resumed?.tasksFound ?? alreadyMoved + (await countOverdue(orm, plan));
      let progress: RescheduleProgress = {
        tasksFound,
        tasksRescheduled: alreadyMoved,
        batches: resumed?.batches ?? 0,
        ...(resumed?.walk ? { walk: resumed.walk } : {}),
      };
      ctx.heartbeat(progress);

      if (config.updateToToday) {
        let walk = resumed?.walk ?? (await startWalk(orm, tasksFound - alreadyMoved, batchSize));
        while (pageOf(walk.after) < walk.endPage) {
          throwIfCancelled(ctx);
          const windowEnd = Math.min(walk.endPage, pageOf(walk.after) + walk.pagesPerBatch);
          const batch = await moveBatch(orm, plan, batchSize, { after: walk.after, before: `(${windowEnd},0)` });
          walk = {
            ...walk,
            // A full batch may have left tasks in its window: the next one starts after its last row.
            after: batch.selected === batchSize && batch.last ? batch.last : `(${windowEnd},0)`,
            pagesPerBatch: nextPagesPerBatch(walk.pagesPerBatch, batch.selected, batchSize),
          };
          progress = progressAfterBatch(progress, batch, walk);
          // Even after a window with nothing to move: a long stretch of such windows must not look dead.
          ctx.heartbeat(progress);
        }
        // Tasks a user edited during the walk may have moved to a page it had passed, or past its end.
        for (;;) {
          throwIfCancelled(ctx);
          const batch = await moveBatch(orm, plan, batchSize, null);
          progress = progressAfterBatch(progress, batch, walk);
          if (batch.selected > 0) ctx.heartbeat(progress);
          if (batch.selected < batchSize) break;
        }
        // The audit table is the truth, whatever earlier attempts did before dying.
        progress = { ...progress, tasksRescheduled: await countMoved(orm, run.executionId) };
      }
      const details = await sampleMoves(orm, run.executionId, scope.timezone);
      return {
        success: true,
        tasks_found: progress.tasksFound,
        tasks_rescheduled: progress.tasksRescheduled,
        execution_time: formatIsoWithOffset(run.timezone, Date.parse(run.logicalTime)),
        target_date: scope.day,
        task_details: details,
        task_details_total: progress.tasksRescheduled,
        task_details_truncated: progress.tasksRescheduled > details.length,
      };
    },
  };
  return {
    ...activities,
    /**
     * @deprecated The work activity's name before the `one-name-per-process` patch: runs started by
     * older workflow code (v1, v2 histories) still schedule it. Remove once no such run can be running.
     */
    rescheduleOverdueTasks: activities.rescheduleRemainingTasks,
  };
}

function progressAfterBatch(progress: RescheduleProgress, batch: BatchOutcome, walk: HeapWalk): RescheduleProgress {
  return {
    ...progress,
    tasksRescheduled: progress.tasksRescheduled + batch.moved,
    batches: progress.batches + (batch.selected > 0 ? 1 : 0),
    walk,
  };
}

async function startWalk(orm: Orm, overdue: number, batchSize: number): Promise<HeapWalk> {
  const rows = await orm.em
    .getConnection()
    .execute<{ pages: string }[]>(
      `SELECT pg_relation_size('tasks'::regclass) / current_setting('block_size')::int AS pages`,
    );
  const endPage = Number(rows[0]?.pages ?? 0);
  const perPage = overdue / Math.max(1, endPage);
  return {
    after: '(0,0)',
    endPage,
    pagesPerBatch: Math.min(
      MAX_PAGES_PER_BATCH,
      perPage > 0 ? Math.max(1, Math.ceil(batchSize / perPage)) : endPage + 1,
    ),
  };
}

export function pageOf(ctid: string): number {
  const match = /^\((\d+),\d+\)$/.exec(ctid);
  if (!match?.[1]) throw new Error(`not a ctid: ${ctid}`);
  return Number(match[1]);
}

/** 512 MiB of 8 KiB pages: a window over a sparse table still ends within seconds, heartbeat to heartbeat. */
export const MAX_PAGES_PER_BATCH = 65_536;

/** Steers the window towards batchSize tasks, by at most 8x a step (tasks are not spread evenly). */
export function nextPagesPerBatch(pages: number, selected: number, batchSize: number): number {
  const steered = selected === 0 ? pages * 8 : Math.min(pages * 8, Math.round((pages * batchSize) / selected));
  return Math.min(MAX_PAGES_PER_BATCH, Math.max(1, Math.ceil(pages / 8), steered));
}

interface Plan {
  readonly executionId: string;
  readonly timezone: string;
  readonly day: string;
  readonly dayStart: string;
  readonly jalaliDay: string;
  /** A wall time forwarded out of a gap can land after midnight (Kiritimati skipped a whole day). */
  readonly jalaliNextDay: string;
  readonly segments: readonly DaySegment[];
  readonly config: RescheduleConfig;
}

function overdueFilter(plan: Plan, alias: string): { sql: string; params: unknown[] } {
  const params: unknown[] = [pgArray(plan.config.includeStatuses), plan.dayStart];
  // An untyped array takes the column's own enum type: status_enum, or create_all's statusenum.
  let sql = `${alias}.status = ANY(?) AND ${alias}.due_date_gregorian < ?::timestamptz`;
  if (plan.config.userIds) {
    sql += ` AND ${alias}.user_id = ANY(?::uuid[])`;
    params.push(pgArray(plan.config.userIds));
  }
  return { sql, params };
}

async function countOverdue(orm: Orm, plan: Plan): Promise<number> {
  const filter = overdueFilter(plan, 't');
  const rows = await orm.em
    .getConnection()
    .execute<{ n: string }[]>(`SELECT count(*) AS n FROM tasks t WHERE ${filter.sql}`, filter.params);
  return Number(rows[0]?.n ?? 0);
}

async function countMoved(orm: Orm, executionId: string): Promise<number> {
  const rows = await orm.em
    .getConnection()
    .execute<{ n: string }[]>(`SELECT count(*) AS n FROM automated_process_task_moves WHERE execution_id = ?`, [
      executionId,
    ]);
  return Number(rows[0]?.n ?? 0);
}

/** A CASE over seconds-of-day that picks the zone offset (or wall-clock shift) of each segment. */
export function segmentCase(segments: readonly DaySegment[], pick: (s: DaySegment) => number): string {
  const whens = segments
    .slice(0, -1)
    .map((s) => `WHEN p.sod < ${Math.trunc(s.toSecond)} THEN ${Math.trunc(pick(s))}`)
    .join(' ');
  const last = segments[segments.length - 1];
  if (!last) throw new Error('a day has at least one segment');
  return whens ? `CASE ${whens} ELSE ${Math.trunc(pick(last))} END` : String(Math.trunc(pick(last)));
}

interface BatchOutcome {
  readonly selected: number;
  readonly moved: number;
  /** The ctid, before the move, of the batch's last task in page order. */
  readonly last: string | null;
}

/**
 * One set-based statement: lock a batch of overdue tasks (within a window of pages, in page order,
 * or anywhere), move them to the day at their local time of day (wall times resolved as TC39
 * Temporal's 'compatible' does, via the day's offset segments computed in TypeScript), and write one
 * audit row per move, all in one commit. A task a user put back in the past since an earlier batch
 * or attempt moved it is moved again and gets a second row: the key is the due date it moved from.
 */
async function moveBatch(
  orm: Orm,
  plan: Plan,
  batchSize: number,
  window: { readonly after: string; readonly before: string } | null,
): Promise<BatchOutcome> {
  const select = overdueFilter(plan, 'tasks');
  const recheck = overdueFilter(plan, 't');
  const offset = segmentCase(plan.segments, (s) => s.offsetSeconds);
  const shift = segmentCase(plan.segments, (s) => s.wallShiftSeconds);
  const rows = await orm.em.getConnection().execute<{ selected: string; moved: string; last: string | null }[]>(
    `WITH batch AS (
       SELECT ctid AS old_ctid, task_id, due_date_gregorian AS old_due, due_date_jalali AS old_jalali,
              (due_date_gregorian AT TIME ZONE ?)::time AS tod
         FROM tasks
        WHERE ${select.sql} ${window ? 'AND ctid > ?::tid AND ctid < ?::tid ORDER BY ctid' : ''}
        LIMIT ?
        FOR UPDATE
     ), planned AS (
       SELECT b.*, extract(epoch FROM b.tod) AS sod FROM batch b
     ), moved AS (
       UPDATE tasks t
          SET due_date_gregorian = ((?::date + p.tod) - make_interval(secs => ${offset})) AT TIME ZONE 'UTC',
              due_date_jalali = CASE WHEN p.sod + ${shift} >= 86400 THEN ? ELSE ? END
                || 'T' || to_char(time '00:00' + make_interval(secs => p.sod + ${shift}), 'HH24:MI:SS'),
              updated_at = now()
         FROM planned p
        WHERE t.task_id = p.task_id AND ${recheck.sql}
        RETURNING t.task_id, p.old_due, p.old_jalali, t.due_date_gregorian AS new_due, t.due_date_jalali AS new_jalali
     ), audited AS (
       INSERT INTO automated_process_task_moves
              (execution_id, task_id, old_due_gregorian, new_due_gregorian, old_due_jalali, new_due_jalali)
       SELECT ?, task_id, old_due, new_due, old_jalali, new_jalali FROM moved
       ON CONFLICT (execution_id, task_id, old_due_gregorian) DO NOTHING
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM batch) AS selected, (SELECT count(*) FROM audited) AS moved,
            (SELECT b.old_ctid::text FROM batch b ORDER BY b.old_ctid DESC LIMIT 1) AS last`,
    [
      plan.timezone,
      ...select.params,
      ...(window ? [window.after, window.before] : []),
      batchSize,
      plan.day,
      plan.jalaliNextDay,
      plan.jalaliDay,
      ...recheck.params,
      plan.executionId,
    ],
  );
  const row = rows[0];
  return { selected: Number(row?.selected ?? 0), moved: Number(row?.moved ?? 0), last: row?.last ?? null };
}

/** Behflow's entry (task_id, task_name, user_id, old_due_date, new_due_date) plus our Jalali dates. */
export interface TaskDetail {
  readonly task_id: string;
  /** Null, like user_id, for a task deleted since it was moved: the audit row outlives it. */
  readonly task_name: string | null;
  readonly user_id: string | null;
  readonly old_due_date: string | null;
  readonly new_due_date: string;
  readonly old_due_jalali: string | null;
  readonly new_due_jalali: string;
}

async function sampleMoves(orm: Orm, executionId: string, timezone: string): Promise<TaskDetail[]> {
  const rows = await orm.em.getConnection().execute<
    {
      task_id: string;
      task_name: string | null;
      user_id: string | null;
      old_due_ms: number | null;
      new_due_ms: number;
      old_due_jalali: string | null;
      new_due_jalali: string;
    }[]
  >(
    // Epoch milliseconds: the driver hands timestamps back as text in the session's format.
    `SELECT m.task_id, t.name AS task_name, t.user_id, m.old_due_jalali, m.new_due_jalali,
            (extract(epoch FROM m.old_due_gregorian) * 1000)::float8 AS old_due_ms,
            (extract(epoch FROM m.new_due_gregorian) * 1000)::float8 AS new_due_ms
       FROM automated_process_task_moves m LEFT JOIN tasks t ON t.task_id = m.task_id
      WHERE m.execution_id = ? ORDER BY m.id LIMIT ?`,
    [executionId, TASK_DETAILS_SAMPLE],
  );
  return rows.map((r) => ({
    task_id: r.task_id,
    task_name: r.task_name,
    user_id: r.user_id,
    old_due_date: r.old_due_ms === null ? null : formatIsoWithOffset(timezone, r.old_due_ms),
    new_due_date: formatIsoWithOffset(timezone, r.new_due_ms),
    old_due_jalali: r.old_due_jalali,
    new_due_jalali: r.new_due_jalali,
  }));
}
