import { proxyActivities } from '@temporalio/workflow';
import type { createArchiveActivities } from '../activities/archive-completed-tasks';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';
import { WORK_ACTIVITY_OPTIONS } from './work-activity-options';

const archiveActivities = proxyActivities<ReturnType<typeof createArchiveActivities>>(WORK_ACTIVITY_OPTIONS);

/** Tags tasks completed more than N days ago as archived. */
export async function archiveCompletedTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run) => archiveActivities.archiveCompletedTasks(run));
}
