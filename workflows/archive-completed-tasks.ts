import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';
import { WORK_ACTIVITY_OPTIONS } from './work-activity-options';

const archiveActivities = proxyActivities<Activities>(WORK_ACTIVITY_OPTIONS);

/** Tags tasks completed more than N days ago as archived. */
export async function archiveCompletedTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run) => archiveActivities.archiveCompletedTasks(run));
}
