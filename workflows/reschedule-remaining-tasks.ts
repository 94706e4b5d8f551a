import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createRescheduleActivities, PartitionPlan, SplitRun } from '../activities/reschedule-remaining-tasks';
import type { ProcessResult, RunContext } from '../activities/run-types';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

type RescheduleActivities = ReturnType<typeof createRescheduleActivities>;

/**
 * Runs recorded before this patch called the work activity `rescheduleOverdueTasks`; from it on, the
 * process, its workflow and its activity share one name.
 */
export const ONE_NAME_PATCH = 'one-name-per-process';
/**
 * From this patch on, a run whose policy has `partitions` above 1 splits the table walk into that
 * many ranges walked side by side. Runs before it (and every run with one partition) have one work
 * activity, as they always had.
 */
export const PARTITIONS_PATCH = 'partitioned-runs';

/**
 * From this patch on, a run whose policy leaves `partitions` out ("auto", the default) lets its work
 * activity answer with a plan of several walks when its overdue count is worth them. Before it, such a
 * run always had one walk.
 */
export const AUTO_PARTITIONS_PATCH = 'auto-partitions';

/** Moves overdue pending and in-progress tasks to the run's day, keeping their local time. */
export async function rescheduleRemainingTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, async (run, options) => {
    const partitions = run.policy?.partitions;
    if (partitions !== undefined && partitions > 1 && patched(PARTITIONS_PATCH))
      return partitionedRun(run, partitions, options);
    // Proxied per run: the options are the run's policy (retries, timeouts).
    const activities = proxyActivities<RescheduleActivities>(options);
    if (!patched(ONE_NAME_PATCH)) return activities.rescheduleOverdueTasks(run);
    if (partitions !== undefined || !patched(AUTO_PARTITIONS_PATCH))
      return activities.rescheduleRemainingTasks(run) as Promise<ProcessResult>;
    const outcome = await activities.rescheduleRemainingTasks(run, { auto: true });
    return isSplit(outcome) ? walkRanges(run, outcome.split, options) : outcome;
  });
}

/** Plan (the count, the page ranges), then the walks; see walkRanges. */
async function partitionedRun(run: RunContext, partitions: number, options: ActivityOptions): Promise<ProcessResult> {
  // The plan's count does not heartbeat; its bound is the attempt's timeout.
  const { planRescheduleRun } = proxyActivities<RescheduleActivities>({ ...options, heartbeatTimeout: undefined });
  return walkRanges(run, await planRescheduleRun(run, partitions), options);
}

/**
 * Walks every range at once (each its own activity: any worker, its own PostgreSQL backend, its own
 * heartbeats and retries), then sweeps what the walks could not see and reads the counts from the audit.
 */
async function walkRanges(run: RunContext, plan: PartitionPlan, options: ActivityOptions): Promise<ProcessResult> {
  const { rescheduleTaskRange, finishRescheduleRun } = proxyActivities<RescheduleActivities>(options);
  await Promise.all(plan.ranges.map((range) => rescheduleTaskRange(run, range, plan.pagesPerBatch)));
  return finishRescheduleRun(run, plan.tasksFound);
}

/** ProcessResult is an open record: only a plan has `split`. */
function isSplit(outcome: ProcessResult | SplitRun): outcome is SplitRun {
  return typeof (outcome as Partial<SplitRun>).split === 'object';
}
