import { proxyActivities } from '@temporalio/workflow';
import type { createArchiveActivities } from '../activities/archive-completed-tasks';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

type ArchiveActivities = ReturnType<typeof createArchiveActivities>;

/** Tags tasks completed more than N days ago as archived. */
export async function archiveCompletedTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  // Proxied per run: the options are the run's policy (retries, timeouts).
  return runAndRecord(input, (run, options) => proxyActivities<ArchiveActivities>(options).archiveCompletedTasks(run));
}
