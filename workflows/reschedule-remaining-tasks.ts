import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { runAndRecord, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

const { rescheduleOverdueTasks } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/** Moves overdue pending and in-progress tasks to the run's day, keeping their local time. */
export async function rescheduleRemainingTasks(input: ProcessRunInput): Promise<ProcessRunOutcome> {
  return runAndRecord(input, (run) => rescheduleOverdueTasks(run));
}
