import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { createRescheduleActivities } from '../activities/reschedule-remaining-tasks';
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

/** Moves overdue pending and in-progress tasks to the run's day, keeping their local time. */
export async function rescheduleRemainingTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run, options) => {
    const partitions = run.policy?.partitions ?? 1;
    if (partitions > 1 && patched(PARTITIONS_PATCH)) return partitionedRun(run, partitions, options);
    // Proxied per run: the options are the run's policy (retries, timeouts).
    const activities = proxyActivities<RescheduleActivities>(options);
    return patched(ONE_NAME_PATCH) ? activities.rescheduleRemainingTasks(run) : activities.rescheduleOverdueTasks(run);
  });
}

/**
 * Plan (the count, the page ranges), walk every range at once (each its own activity: any worker,
 * its own PostgreSQL backend, its own heartbeats and retries), then sweep what the walk could not see
 * and read the counts from the audit.
 */
async function partitionedRun(run: RunContext, partitions: number, options: ActivityOptions): Promise<ProcessResult> {
  // The plan's count does not heartbeat; its bound is the attempt's timeout.
  const { planRescheduleRun } = proxyActivities<RescheduleActivities>({ ...options, heartbeatTimeout: undefined });
  const { rescheduleTaskRange, finishRescheduleRun } = proxyActivities<RescheduleActivities>(options);
  const plan = await planRescheduleRun(run, partitions);
  await Promise.all(plan.ranges.map((range) => rescheduleTaskRange(run, range, plan.pagesPerBatch)));
  return finishRescheduleRun(run, plan.tasksFound);
}
