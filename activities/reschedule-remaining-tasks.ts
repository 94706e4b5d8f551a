import { Context } from '@temporalio/activity';
import { TaskStatus } from '../db/entities';
import type { EntityManager } from '@mikro-orm/postgresql';
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
import { scopeOfRun, type RunScope } from './event-scope';
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

/** One partition of a run: the pages [fromPage, toPage) of the table walk, walked by one activity. */
export interface TaskRange {
  readonly index: number;
  readonly fromPage: number;
  readonly toPage: number;
}

/** A partitioned run's plan: the overdue count once for the whole run, and its disjoint page ranges. */
export interface PartitionPlan {
  readonly tasksFound: number;
  readonly ranges: readonly TaskRange[];
  readonly pagesPerBatch: number;
}

/** The workflow's ask of a run whose policy.partitions is "auto": split the work when it is worth it. */
export interface AutoSplit {
  readonly auto: true;
}

/** The answer to AutoSplit when the count is worth several walks: their plan, nothing moved yet. */
export interface SplitRun {
  readonly split: PartitionPlan;
}

/**
 * policy.partitions "auto": one part per AUTO_BATCHES_PER_PARTITION batches of overdue tasks, at most
 * AUTO_MAX_PARTITIONS. Measured (README, "Running at scale"; 2 cores, batch 1,000, medians of three): at
 * 10k tasks two parts moved them 1.46× as fast as one walk and four 1.53×; at 100k and 1M four 1.75×.
 */
export const AUTO_BATCHES_PER_PARTITION = 5;
export const AUTO_MAX_PARTITIONS = 4;

export function autoPartitions(overdue: number, batchSize: number): number {
  const parts = Math.floor(overdue / (AUTO_BATCHES_PER_PARTITION * batchSize));
  return Math.max(1, Math.min(AUTO_MAX_PARTITIONS, parts));
}

/** What one range's walk did; its heartbeat details while it walks, so a retry resumes. */
export interface RangeProgress {
  readonly batches: number;
  readonly moved: number;
  readonly walk: HeapWalk;
}

export function createRescheduleActivities({ orm, batchSize }: ActivityDeps) {
  const activities = {
    /**
     * Moves every overdue task to the run's day at its own local time, in committed batches.
     * Safe to retry: moved tasks no longer match, and counts come from the audit rows. With `split`
     * (policy.partitions "auto"), a count worth several walks returns their plan instead, moving nothing.
     */
    async rescheduleRemainingTasks(run: RunContext, split?: AutoSplit): Promise<ProcessResult | SplitRun> {
      const { scope, plan } = failOnBadConfig(() => planOfRun(run));
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as RescheduleProgress | undefined;
      const alreadyMoved = await countMoved(orm, run.executionId);
      const tasksFound = resumed?.tasksFound ?? alreadyMoved + (await countOverdue(orm.em.fork(), plan));
      // Split only before this activity has moved anything: a retry after a move finishes the one walk.
      const partitions = split && !resumed && alreadyMoved === 0 ? autoPartitions(tasksFound, batchSize) : 1;
      if (partitions > 1 && plan.config.updateToToday)
        return { split: await partitionPlan(orm, tasksFound, 0, partitions, batchSize) };
      let progress: RescheduleProgress = {
        tasksFound,
        tasksRescheduled: alreadyMoved,
        batches: resumed?.batches ?? 0,
        ...(resumed?.walk ? { walk: resumed.walk } : {}),
      };
      ctx.heartbeat(progress);

      if (plan.config.updateToToday) {
        let walk = resumed?.walk ?? (await startWalk(orm, tasksFound - alreadyMoved, batchSize));
        const advance = (batch: BatchOutcome) => (progress = progressAfterBatch(progress, batch, walk));
        walk = await walkPages(orm, plan, batchSize, ctx, walk, (batch, next) => {
          walk = next;
          return advance(batch);
        });
        await sweepTheRest(orm, plan, batchSize, ctx, advance);
      }
      return resultOfRun(orm, run, scope, progress.tasksFound, plan.config.updateToToday);
    },

    /**
     * A partitioned run's first step (policy.partitions > 1): the overdue count, and the table's pages
     * split into `partitions` disjoint ranges of equal size, each walked by its own activity (and so
     * its own PostgreSQL backend, on any worker). No range when the config moves nothing
     * (update_to_today false): the run only counts.
     */
    async planRescheduleRun(run: RunContext, partitions: number): Promise<PartitionPlan> {
      const { plan } = failOnBadConfig(() => planOfRun(run));
      const alreadyMoved = await countMoved(orm, run.executionId);
      const tasksFound = alreadyMoved + (await countOverdue(orm.em.fork(), plan));
      const planned = await partitionPlan(orm, tasksFound, alreadyMoved, partitions, batchSize);
      return plan.config.updateToToday ? planned : { ...planned, ranges: [] };
    },

    /**
     * Walks one range of a partitioned run, heartbeating where it is: a retry (a worker killed, a
     * timeout) resumes after the last committed batch, and a task is never moved twice (moved tasks
     * no longer match; the audit's key refuses a second row for the same move).
     */
    async rescheduleTaskRange(run: RunContext, range: TaskRange, pagesPerBatch: number): Promise<RangeProgress> {
      const { plan } = failOnBadConfig(() => planOfRun(run));
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as RangeProgress | undefined;
      let progress: RangeProgress = resumed ?? {
        batches: 0,
        moved: 0,
        walk: { after: `(${range.fromPage},0)`, endPage: range.toPage, pagesPerBatch },
      };
      ctx.heartbeat(progress);
      await walkPages(orm, plan, batchSize, ctx, progress.walk, (batch, walk) => {
        progress = {
          batches: progress.batches + (batch.selected > 0 ? 1 : 0),
          moved: progress.moved + batch.moved,
          walk,
        };
        return progress;
      });
      return progress;
    },

    /**
     * A partitioned run's last step, once every range is walked: the tasks edited during the walk onto
     * pages behind it (or past its end), then the result, its counts from the audit rows.
     */
    async finishRescheduleRun(run: RunContext, tasksFound: number): Promise<ProcessResult> {
      const { scope, plan } = failOnBadConfig(() => planOfRun(run));
      const ctx = Context.current();
      let batches = 0;
      if (plan.config.updateToToday) await sweepTheRest(orm, plan, batchSize, ctx, () => ({ batches: ++batches }));
      return resultOfRun(orm, run, scope, tasksFound, plan.config.updateToToday);
    },
  };
  return {
    ...activities,
    /**
     * @deprecated The work activity's name before the `one-name-per-process` patch: runs started by
     * older workflow code (v1, v2 histories) still schedule it. Remove once no such run can be running.
     */
    rescheduleOverdueTasks: (run: RunContext) => activities.rescheduleRemainingTasks(run) as Promise<ProcessResult>,
  };
}

/**
 * Walks the pages of `walk` in committed batches, heartbeating after each (even one that moved
 * nothing: a long stretch of such windows must not look dead) with what `advanced` makes of it.
 */
async function walkPages(
  orm: Orm,
  plan: Plan,
  batchSize: number,
  ctx: Context,
  start: HeapWalk,
  advanced: (batch: BatchOutcome, walk: HeapWalk) => unknown,
): Promise<HeapWalk> {
  let walk = start;
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
    ctx.heartbeat(advanced(batch, walk));
  }
  return walk;
}

/** Tasks a user edited during the walk may have moved to a page it had passed, or past its end: the batches that took them. */
async function sweepTheRest(
  orm: Orm,
  plan: Plan,
  batchSize: number,
  ctx: Context,
  advanced: (batch: BatchOutcome) => unknown,
): Promise<void> {
  for (;;) {
    throwIfCancelled(ctx);
    const batch = await moveBatch(orm, plan, batchSize, null);
    if (batch.selected > 0) ctx.heartbeat(advanced(batch));
    if (batch.selected < batchSize) return;
  }
}

/** The seed's result; the audit table is the truth of what moved, whatever earlier attempts did before dying. */
async function resultOfRun(
  orm: Orm,
  run: RunContext,
  scope: RunScope,
  tasksFound: number,
  moves: boolean,
): Promise<ProcessResult> {
  const moved = moves ? await countMoved(orm, run.executionId) : 0;
  const details = await sampleMoves(orm, run.executionId, scope.timezone);
  return {
    success: true,
    tasks_found: tasksFound,
    tasks_rescheduled: moved,
    execution_time: formatIsoWithOffset(run.timezone, Date.parse(run.logicalTime)),
    target_date: scope.day,
    task_details: details,
    task_details_total: moved,
    task_details_truncated: moved > details.length,
  };
}

/**
 * What a run moves and where to: its scope (an event run moves only its event's users' tasks, to their
 * zone's today when the event says it) and the day's plan. Throws InvalidProcessConfigError naming the
 * field; the preview computes the same plan for a run without an event.
 */
export function planOfRun(
  run: Pick<RunContext, 'timezone' | 'day' | 'logicalTime' | 'processConfig' | 'event'> & { executionId?: string },
): { scope: RunScope; plan: Plan } {
  const configured = parseRescheduleConfig(run.processConfig);
  const scope = scopeOfRun(run, configured.userIds);
  const day = parseLocalDate(scope.day);
  const plan: Plan = {
    executionId: run.executionId ?? '',
    timezone: scope.timezone,
    day: scope.day,
    dayStart: new Date(startOfDay(scope.timezone, day)).toISOString(),
    jalaliDay: formatJalaliDate(day),
    jalaliNextDay: formatJalaliDate(addDays(day, 1)),
    segments: daySegments(scope.timezone, day),
    config: { ...configured, userIds: scope.userIds },
  };
  return { scope, plan };
}

function progressAfterBatch(progress: RescheduleProgress, batch: BatchOutcome, walk: HeapWalk): RescheduleProgress {
  return {
    ...progress,
    tasksRescheduled: progress.tasksRescheduled + batch.moved,
    batches: progress.batches + (batch.selected > 0 ? 1 : 0),
    walk,
  };
}

/** The table's pages split into `partitions` disjoint ranges of equal size (fewer when it has fewer pages). */
async function partitionPlan(
  orm: Orm,
  tasksFound: number,
  alreadyMoved: number,
  partitions: number,
  batchSize: number,
): Promise<PartitionPlan> {
  const walk = await startWalk(orm, tasksFound - alreadyMoved, batchSize);
  const size = Math.ceil(walk.endPage / partitions);
  const ranges = Array.from({ length: partitions }, (_, index) => ({
    index,
    fromPage: Math.min(walk.endPage, index * size),
    toPage: Math.min(walk.endPage, (index + 1) * size),
  })).filter((r) => r.toPage > r.fromPage || r.index === 0);
  return { tasksFound, ranges, pagesPerBatch: walk.pagesPerBatch };
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

export interface Plan {
  /** '' in a preview, which writes no audit rows. */
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

/** The tasks a run moves: the one predicate the run's count, its batches and the preview use. */
export function overdueFilter(plan: Plan, alias: string): { sql: string; params: unknown[] } {
  const params: unknown[] = [pgArray(plan.config.includeStatuses), plan.dayStart];
  // An untyped array takes the column's own enum type: status_enum, or create_all's statusenum.
  let sql = `${alias}.status = ANY(?) AND ${alias}.due_date_gregorian < ?::timestamptz`;
  if (plan.config.userIds) {
    sql += ` AND ${alias}.user_id = ANY(?::uuid[])`;
    params.push(pgArray(plan.config.userIds));
  }
  return { sql, params };
}

/** On `em`'s transaction, if it is in one (the preview's read-only snapshot). */
export async function countOverdue(em: EntityManager, plan: Plan): Promise<number> {
  const filter = overdueFilter(plan, 't');
  const rows = await em.execute<{ n: string }[]>(
    `SELECT count(*) AS n FROM tasks t WHERE ${filter.sql}`,
    filter.params,
  );
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
export function segmentCase(segments: readonly DaySegment[], pick: (s: DaySegment) => number, alias = 'p'): string {
  const whens = segments
    .slice(0, -1)
    .map((s) => `WHEN ${alias}.sod < ${Math.trunc(s.toSecond)} THEN ${Math.trunc(pick(s))}`)
    .join(' ');
  const last = segments[segments.length - 1];
  if (!last) throw new Error('a day has at least one segment');
  return whens ? `CASE ${whens} ELSE ${Math.trunc(pick(last))} END` : String(Math.trunc(pick(last)));
}

/** A task's time of day in the zone (the first parameter): the run keeps it, on the new day. */
export const LOCAL_TIME_OF_DAY = '(due_date_gregorian AT TIME ZONE ?)::time';

/**
 * The due dates a task moves to, from `alias`.tod (LOCAL_TIME_OF_DAY) and `alias`.sod (its seconds):
 * the plan's day at that wall time, Gregorian then Jalali; their parameters, in that order, are `params`.
 */
export function movedDueDates(plan: Plan, alias: string): { gregorian: string; jalali: string; params: unknown[] } {
  const offset = segmentCase(plan.segments, (s) => s.offsetSeconds, alias);
  const shift = segmentCase(plan.segments, (s) => s.wallShiftSeconds, alias);
  return {
    gregorian: `((?::date + ${alias}.tod) - make_interval(secs => ${offset})) AT TIME ZONE 'UTC'`,
    jalali: `CASE WHEN ${alias}.sod + ${shift} >= 86400 THEN ? ELSE ? END
                || 'T' || to_char(time '00:00' + make_interval(secs => ${alias}.sod + ${shift}), 'HH24:MI:SS')`,
    params: [plan.day, plan.jalaliNextDay, plan.jalaliDay],
  };
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
  const moved = movedDueDates(plan, 'p');
  const rows = await orm.em.getConnection().execute<{ selected: string; moved: string; last: string | null }[]>(
    `WITH batch AS (
       SELECT ctid AS old_ctid, task_id, due_date_gregorian AS old_due, due_date_jalali AS old_jalali,
              ${LOCAL_TIME_OF_DAY} AS tod
         FROM tasks
        WHERE ${select.sql} ${window ? 'AND ctid > ?::tid AND ctid < ?::tid ORDER BY ctid' : ''}
        LIMIT ?
        FOR UPDATE
     ), planned AS (
       SELECT b.*, extract(epoch FROM b.tod) AS sod FROM batch b
     ), moved AS (
       UPDATE tasks t
          SET due_date_gregorian = ${moved.gregorian}, due_date_jalali = ${moved.jalali}, updated_at = now()
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
      ...moved.params,
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
