import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Activities } from '../activities';
import type { ProcessResult, RunContext, RunTriggerName } from '../activities/run-types';

/** What a schedule (or a manual start) passes to every process workflow. */
export interface ProcessRunInput {
  readonly processName: string;
  /** Defaults to 'schedule' when a schedule started the run, else 'manual'. */
  readonly trigger?: RunTriggerName;
  /** ISO instant; defaults to the schedule's nominal time, else the workflow's start time. */
  readonly logicalTime?: string;
  /** Chosen by the caller (the API) so it can answer with the id before the run starts. */
  readonly executionId?: string;
}

export type ProcessRunOutcome =
  ProcessResult | { readonly success: false; readonly skipped: true; readonly running_execution_id: string };

const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const SCHEDULED_BY_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

const records = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/**
 * Opens the execution row, runs the process's work, and always closes the row: completed with
 * the result, or failed with the error (activity failures, timeouts and cancellation included).
 */
export async function runAndRecord(
  input: ProcessRunInput,
  work: (run: RunContext) => Promise<ProcessResult>,
): Promise<ProcessRunOutcome> {
  const info = workflowInfo();
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  const scheduledBy = info.typedSearchAttributes.get(SCHEDULED_BY_ID);
  const begun = await records.beginExecution({
    executionId: input.executionId ?? uuid4(),
    processName: input.processName,
    trigger: input.trigger ?? (scheduledBy ? 'schedule' : 'manual'),
    logicalTime: input.logicalTime ?? (scheduledAt ?? info.startTime).toISOString(),
    workflowId: info.workflowId,
    workflowRunId: info.runId,
  });
  if (begun.kind === 'skipped') {
    log.warn('Skipped: another run of this process is in progress', {
      process: input.processName,
      runningExecutionId: begun.runningExecutionId,
    });
    return { success: false, skipped: true, running_execution_id: begun.runningExecutionId };
  }
  try {
    const result = await work(begun.run);
    await records.completeExecution(begun.run.executionId, result);
    return result;
  } catch (err) {
    await CancellationScope.nonCancellable(() => records.failExecution(begun.run.executionId, describeFailure(err)));
    throw err;
  }
}

/** The innermost message, prefixed with where it came from, e.g. "rescheduleOverdueTasks: timed out". */
export function describeFailure(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  const where = err instanceof ActivityFailure ? `${err.activityType}: ` : '';
  let root: unknown = err;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const message = root instanceof Error ? root.message : String(root);
  const type = root instanceof ApplicationFailure && root.type ? ` [${root.type}]` : '';
  return `${where}${message}${type}`;
}
