import type { Client } from '@temporalio/client';
import type { RerunsInput, rerunExecutions } from '../workflows/rerun-runs';
import { rerunFailedIds } from './ids';
import { PROCESS_KEY } from './schedule-options';

export interface FailedExecution {
  readonly executionId: string;
  /** ISO instant the failed run was for. */
  readonly logicalTime: string;
}

export interface RerunsRequest {
  readonly processName: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  /** In the order they rerun. */
  readonly failed: readonly FailedExecution[];
}

export interface RerunsStarted {
  readonly reruns: RerunsInput['reruns'];
  /** The coordinator, absent when there is nothing to rerun. */
  readonly workflow?: { readonly workflowId: string; readonly runId: string };
}

/** Starts the rerunExecutions workflow: each failed execution rerun in turn, trigger 'rerun'. */
export async function startReruns(client: Client, request: RerunsRequest): Promise<RerunsStarted> {
  const { processName, failed } = request;
  if (failed.length === 0) return { reruns: [] };
  const ids = rerunFailedIds(
    processName,
    request,
    failed.map((f) => f.executionId),
  );
  const input: RerunsInput = {
    processName,
    workflowType: request.workflowType,
    reruns: failed.map((f, i) => ({ rerunOf: f.executionId, logicalTime: f.logicalTime, ...ids.reruns[i]! })),
  };
  const handle = await client.workflow.start<typeof rerunExecutions>('rerunExecutions', {
    taskQueue: request.taskQueue,
    workflowId: ids.workflowId,
    args: [input],
    typedSearchAttributes: [{ key: PROCESS_KEY, value: processName }],
    memo: { process: processName },
    staticSummary: `rerun of ${processName}'s failed runs: ${failed.length} run(s)`,
  });
  return { reruns: input.reruns, workflow: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId } };
}
