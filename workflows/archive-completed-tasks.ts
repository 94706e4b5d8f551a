import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

const { archiveCompletedTasks: archive } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/** Tags tasks completed more than N days ago as archived. */
export async function archiveCompletedTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run) => archive(run));
}
