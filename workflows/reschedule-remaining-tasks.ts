import { patched, proxyActivities } from '@temporalio/workflow';
import type { createRescheduleActivities } from '../activities/reschedule-remaining-tasks';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';
import { WORK_ACTIVITY_OPTIONS } from './work-activity-options';

const rescheduleActivities = proxyActivities<ReturnType<typeof createRescheduleActivities>>(WORK_ACTIVITY_OPTIONS);

/**
 * Runs recorded before this patch called the work activity `rescheduleOverdueTasks`; from it on, the
 * process, its workflow and its activity share one name.
 */
export const ONE_NAME_PATCH = 'one-name-per-process';

/** Moves overdue pending and in-progress tasks to the run's day, keeping their local time. */
export async function rescheduleRemainingTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run) =>
    patched(ONE_NAME_PATCH)
      ? rescheduleActivities.rescheduleRemainingTasks(run)
      : rescheduleActivities.rescheduleOverdueTasks(run),
  );
}
