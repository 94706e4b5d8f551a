import { ApplicationFailure, condition, defineUpdate, setHandler } from '@temporalio/workflow';

/** How a run's start went, as far as its execution row goes. */
export type ExecutionOpening =
  | { readonly status: 'started'; readonly executionId: string; readonly runId: string }
  | { readonly status: 'skipped'; readonly runningExecutionId: string }
  /** Held back by a concurrency limit: its row is pending, and the run starts when a slot frees. */
  | { readonly status: 'pending'; readonly executionId: string; readonly runId: string; readonly reason: string };

/**
 * Answers once the run has opened its execution row, or found another run in progress. Sent with the
 * start (update-with-start), so a trigger learns it without polling the database. A run that fails
 * before opening its row fails the update with an ApplicationFailure of type RUN_NOT_STARTED, whose
 * message says why.
 */
export const executionOpenedUpdate = defineUpdate<ExecutionOpening>('executionOpened');

export const RUN_NOT_STARTED = 'RunNotStarted';

export interface ExecutionOpenedAnswer {
  opened(opening: ExecutionOpening): void;
  notOpened(reason: string): void;
}

/**
 * Registers the update's handler, which only waits on this workflow's state (no I/O); the run
 * tells it how opening the row went through the returned answer.
 */
export function answerExecutionOpened(): ExecutionOpenedAnswer {
  let settled: { readonly opening: ExecutionOpening } | { readonly reason: string } | undefined;
  setHandler(executionOpenedUpdate, async () => {
    await condition(() => settled !== undefined);
    const answer = settled!;
    if ('reason' in answer) throw ApplicationFailure.nonRetryable(answer.reason, RUN_NOT_STARTED);
    return answer.opening;
  });
  return {
    opened: (opening) => (settled ??= { opening }),
    notOpened: (reason) => (settled ??= { reason }),
  };
}
