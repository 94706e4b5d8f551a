import type { EntityManager } from '@mikro-orm/postgresql';
import { MOVED_SQL } from '../../../activities/notifications/run-events';
import { bucketSql, LATENESS_BUCKETS, RUN_DURATION_BUCKETS } from './buckets';
import { closedAtSql } from './closed-rows';

/** Closed runs that share every label and bucket: one aggregated row, or one run (runs = 1). */
export interface RunGroup {
  readonly process: string;
  readonly status: string;
  readonly trigger: string;
  readonly runs: number;
  readonly moved: number;
  /** NULL: no started_at to measure from. */
  readonly durationBucket: number | null;
  readonly durationSum: number;
  /** Scheduled runs with a logical time only. */
  readonly latenessBucket: number | null;
  readonly latenessSum: number;
  /** Unix seconds of the latest completed run of the group, if any completed. */
  readonly lastSuccess: number | null;
}

export interface ClosedRun extends RunGroup {
  readonly id: string;
  readonly closedAt: string;
}

interface Row {
  process: string;
  status: string;
  trigger: string;
  runs: string | number;
  moved: string | number | null;
  duration_bucket: number | null;
  duration_sum: string | number | null;
  lateness_bucket: number | null;
  lateness_sum: string | number | null;
  last_success: string | number | null;
}

// date_part gives float8: extract's numeric made the first scrape's pass over a million rows several times slower.
const DURATION = `greatest(0, date_part('epoch', e.completed_at - e.started_at))`;
/** From the nominal time to the opened row, as the issue measures it; seen when the run closes. */
const LATENESS = `CASE WHEN e.trigger = 'schedule' AND e.logical_time IS NOT NULL AND e.started_at IS NOT NULL
                       THEN greatest(0, date_part('epoch', e.started_at - e.logical_time)) END`;

/** Each closed run's labels and measures; `where` picks them by e.completed_at. The name is joined after. */
const PER_RUN = (where: string) => `
  SELECT e.execution_id, e.completed_at, e.process_id, e.status::text AS status,
         coalesce(e.trigger, 'unknown') AS trigger, ${MOVED_SQL} AS moved,
         ${DURATION} AS duration, ${LATENESS} AS lateness
    FROM automated_process_executions e
   WHERE ${where}
  OFFSET 0`; // computed once per row, not once per use in the query around it

const BUCKETS = `${bucketSql('duration', RUN_DURATION_BUCKETS)} AS duration_bucket,
         ${bucketSql('lateness', LATENESS_BUCKETS)} AS lateness_bucket`;

function toGroup(row: Row): RunGroup {
  const number = (value: string | number | null) => (value === null ? 0 : Number(value));
  return {
    process: row.process,
    status: row.status,
    trigger: row.trigger,
    runs: Number(row.runs),
    moved: number(row.moved),
    durationBucket: row.duration_bucket,
    durationSum: number(row.duration_sum),
    latenessBucket: row.lateness_bucket,
    latenessSum: number(row.lateness_sum),
    lastSuccess: row.last_success === null ? null : Number(row.last_success),
  };
}

/**
 * Every run closed before `floor`, grouped by labels and buckets: the first scrape's one pass over the
 * table (once per API process), so later scrapes read only what closed since.
 */
export async function runsClosedBefore(em: EntityManager, floor: string): Promise<RunGroup[]> {
  // The planner cannot tell the groups are few (processes × statuses × triggers × buckets) and sorts a
  // million rows for them, spilling to disk; hashing them takes a fraction of the time. This transaction only.
  await em.execute('SET LOCAL enable_sort = off');
  const rows = await em.execute<Row[]>(
    `SELECT p.name AS process, g.*
       FROM (SELECT process_id, status, trigger, ${BUCKETS}, count(*) AS runs, coalesce(sum(moved), 0) AS moved,
                    coalesce(sum(duration), 0) AS duration_sum, coalesce(sum(lateness), 0) AS lateness_sum,
                    date_part('epoch', max(completed_at) FILTER (WHERE status = 'completed')) AS last_success
               FROM (${PER_RUN('e.completed_at < ?::timestamptz')}) r
              GROUP BY 1, 2, 3, 4, 5) g
       JOIN automated_processes p ON p.process_id = g.process_id`,
    [floor],
  );
  await em.execute('SET LOCAL enable_sort = on');
  return rows.map(toGroup);
}

/** The runs closed at or after `from`, one by one (behflow_processes_executions_closed finds them). */
export async function runsClosedSince(em: EntityManager, from: string): Promise<ClosedRun[]> {
  const rows = await em.execute<(Row & { id: string; closed_at: string })[]>(
    `SELECT execution_id::text AS id, ${closedAtSql('completed_at')} AS closed_at, p.name AS process, status,
            trigger, ${BUCKETS}, 1 AS runs, moved, duration AS duration_sum, lateness AS lateness_sum,
            CASE WHEN status = 'completed' THEN date_part('epoch', completed_at) END AS last_success
       FROM (${PER_RUN('e.completed_at >= ?::timestamptz')}) r
       JOIN automated_processes p ON p.process_id = r.process_id`,
    [from],
  );
  return rows.map((row) => ({ ...toGroup(row), id: row.id, closedAt: row.closed_at }));
}
