import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProcessPolicy } from '../../config/policy';
import type { LinkSettings } from '../execution-view';
import type { ProcessResult } from '../run-types';
import { enqueueNotifications, policyOf, type NotificationEvent } from './outbox';

export interface ClosedRun {
  readonly executionId: string;
  readonly processId: string;
  /** failed or timed_out; undefined for a completed run. */
  readonly failure?: 'failed' | 'timed_out';
  readonly result: ProcessResult | null;
}

/** How many runs the unusual check compares a run with. */
export const UNUSUAL_HISTORY_RUNS = 14;

/**
 * The events a run's closing causes, queued in the transaction that closed its row:
 * - failed / timed_out when this run makes exactly alert_after_consecutive_failures failures in a row
 *   (so once per streak);
 * - recovered on the first success after a streak long enough to have alerted;
 * - unusual for a completed run that moved more than unusual.max_moved tasks, or none while the median
 *   of its last 14 completed runs is above zero.
 */
export async function enqueueRunEvents(em: EntityManager, links: LinkSettings, run: ClosedRun): Promise<string[]> {
  const policy = await policyOf(em, run.processId);
  if (policy.notify.length === 0) return [];
  const events: NotificationEvent[] = [];
  const base = { processId: run.processId, subject: run.executionId, executionId: run.executionId };
  if (run.failure) {
    const streak = await failuresSinceLastSuccess(em, run.processId, null);
    if (streak === policy.alert_after_consecutive_failures) events.push({ ...base, event: run.failure });
  } else {
    const previousStreak = await failuresSinceLastSuccess(em, run.processId, run.executionId);
    if (previousStreak >= policy.alert_after_consecutive_failures) events.push({ ...base, event: 'recovered' });
    const unusual = await unusualMoves(em, run, policy);
    if (unusual) events.push({ ...base, event: 'unusual', details: { unusual } });
  }
  const queued: string[] = [];
  for (const event of events) queued.push(...(await enqueueNotifications(em, links, event, policy)));
  return queued;
}

/**
 * Failed runs of the process since its last completed one (`excluding` left out of both: the run
 * that just completed, to count the streak it ends).
 */
async function failuresSinceLastSuccess(
  em: EntityManager,
  processId: string,
  excluding: string | null,
): Promise<number> {
  const [row] = await em.execute<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM automated_process_executions
      WHERE process_id = ? AND status = 'failed' AND execution_id IS DISTINCT FROM ?::uuid
        AND completed_at > coalesce(
          (SELECT max(completed_at) FROM automated_process_executions
            WHERE process_id = ? AND status = 'completed' AND execution_id IS DISTINCT FROM ?::uuid),
          '-infinity')`,
    [processId, excluding, processId, excluding],
  );
  return row?.n ?? 0;
}

/** A result's count of tasks moved (rescheduled or archived); undefined for a process that moves none. */
export function tasksMoved(result: ProcessResult | null): number | undefined {
  if (!result) return undefined;
  const counts = [result.tasks_rescheduled, result.tasks_archived].filter((n): n is number => typeof n === 'number');
  return counts.length === 0 ? undefined : counts.reduce((a, b) => a + b, 0);
}

/**
 * Behflow's create_all databases keep result as json, the others as jsonb: read it as jsonb either way.
 * Exported for the console's daily chart (api/services/runs/daily-stats.ts), which sums the same count.
 */
export const MOVED_SQL = `(CASE WHEN jsonb_typeof(result::jsonb -> 'tasks_rescheduled') = 'number'
                         THEN (result::jsonb ->> 'tasks_rescheduled')::numeric ELSE 0 END +
                    CASE WHEN jsonb_typeof(result::jsonb -> 'tasks_archived') = 'number'
                         THEN (result::jsonb ->> 'tasks_archived')::numeric ELSE 0 END)`;

async function unusualMoves(
  em: EntityManager,
  run: ClosedRun,
  policy: ProcessPolicy,
): Promise<{ moved: number; max_moved: number | null; median_moved: number | null } | undefined> {
  const moved = tasksMoved(run.result);
  if (moved === undefined || !policy.notify.some((c) => c.on.includes('unusual'))) return undefined;
  const maxMoved = policy.unusual.max_moved;
  if (maxMoved !== null && moved > maxMoved) return { moved, max_moved: maxMoved, median_moved: null };
  if (moved !== 0) return undefined;
  const [row] = await em.execute<{ median: string | number | null }[]>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY moved) AS median FROM (
       SELECT ${MOVED_SQL} AS moved FROM automated_process_executions
        WHERE process_id = ? AND status = 'completed' AND execution_id <> ? AND result IS NOT NULL
        ORDER BY completed_at DESC NULLS LAST LIMIT ${UNUSUAL_HISTORY_RUNS}) recent`,
    [run.processId, run.executionId],
  );
  const median = row?.median === null || row?.median === undefined ? null : Number(row.median);
  return median !== null && median > 0 ? { moved, max_moved: maxMoved, median_moved: median } : undefined;
}
