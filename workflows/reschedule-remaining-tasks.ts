import { patched, proxyActivities } from '@temporalio/workflow';
import type { createRescheduleActivities } from '../activities/reschedule-remaining-tasks';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

type RescheduleActivities = ReturnType<typeof createRescheduleActivities>;

/**
 * Runs recorded before this patch called the work activity `rescheduleOverdueTasks`; from it on, the
 * process, its workflow and its activity share one name.
 */
export const ONE_NAME_PATCH = 'one-name-per-process';

/** Moves overdue pending and in-progress tasks to the run's day, keeping their local time. */
export async function rescheduleRemainingTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run, options) => {
    // Proxied per run: the options are the run's policy (retries, timeouts).
    const activities = proxyActivities<RescheduleActivities>(options);
    return patched(ONE_NAME_PATCH) ? activities.rescheduleRemainingTasks(run) : activities.rescheduleOverdueTasks(run);
  });
}
