import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ProcessRunInput, ProcessRunOutcome } from '../workflows/run-and-record';
import { executionOpenedUpdate, RUN_NOT_STARTED } from '../workflows/execution-opened';
import { describeFailure } from '../workflows/run-and-record';
import type { ManualRunIds } from './ids';
import { PROCESS_KEY } from './schedule-options';

/** A manual run to start: its process, workflow and ids (from manualRunIds). */
export interface ManualRun {
  readonly processName: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly ids: ManualRunIds;
  /** The instant the run is for; defaults to now. */
  readonly logicalTime?: string;
  /** A rerun of this execution (trigger 'rerun'), for its logical time; else a manual run. */
  readonly rerunOf?: string;
}

/** How far a manual run got. */
export type ManualRunStart =
  | { readonly kind: 'opened'; readonly runId: string }
  | { readonly kind: 'skipped'; readonly runningExecutionId: string }
  /** Held back by a concurrency limit: its row is pending until a slot frees. */
  | { readonly kind: 'waiting'; readonly runId: string; readonly reason: string }
  | { readonly kind: 'not-started'; readonly reason: string }
  /** No worker answered before the signal: the run starts when one picks it up. */
  | { readonly kind: 'pending'; readonly runId: string };

/**
 * Starts the run with its executionOpened update (update-with-start) and answers with the update's
 * outcome: one request, which returns as soon as the workflow has opened its execution row. A retry
 * with the same workflow id joins the run already started (USE_EXISTING), or, once that run has
 * ended, is refused by Temporal (REJECT_DUPLICATE) and answered from the ended run: never a second
 * run. `signal` bounds the wait for a worker.
 */
export async function startManualRun(client: Client, run: ManualRun, signal: AbortSignal): Promise<ManualRunStart> {
  const { workflowId, executionId } = run.ids;
  const input: ProcessRunInput = {
    processName: run.processName,
    trigger: run.rerunOf === undefined ? 'manual' : 'rerun',
    logicalTime: run.logicalTime ?? new Date().toISOString(),
    executionId,
    ...(run.rerunOf === undefined ? {} : { rerunOf: run.rerunOf }),
  };
  const start = new WithStartWorkflowOperation(run.workflowType, {
    taskQueue: run.taskQueue,
    workflowId,
    args: [input],
    typedSearchAttributes: [{ key: PROCESS_KEY, value: run.processName }],
    memo: { process: run.processName },
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
  try {
    const opening = await client.withAbortSignal(signal, () =>
      client.workflow.executeUpdateWithStart(executionOpenedUpdate, { startWorkflowOperation: start }),
    );
    switch (opening.status) {
      case 'started':
        return { kind: 'opened', runId: opening.runId };
      case 'pending':
        return { kind: 'waiting', runId: opening.runId, reason: opening.reason };
      case 'skipped':
        return { kind: 'skipped', runningExecutionId: opening.runningExecutionId };
    }
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError && isRunNotStarted(err.cause)) {
      return { kind: 'not-started', reason: err.cause.message };
    }
    if (err instanceof WorkflowExecutionAlreadyStartedError) return endedRun(client, workflowId);
    if (signal.aborted) return pendingRun(client, workflowId);
    throw err;
  }
}

function isRunNotStarted(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && err.type === RUN_NOT_STARTED;
}

/** The run an earlier request with this workflow id started, which has ended since. */
async function endedRun(client: Client, workflowId: string): Promise<ManualRunStart> {
  const handle = client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  try {
    const outcome = (await handle.result()) as ProcessRunOutcome;
    if (isSkipped(outcome)) return { kind: 'skipped', runningExecutionId: outcome.running_execution_id ?? 'unknown' };
    return { kind: 'opened', runId };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    return { kind: 'not-started', reason: describeFailure(err.cause ?? err) };
  }
}

/** The wait ended before a worker answered: the run waits for one, unless the start never got through. */
async function pendingRun(client: Client, workflowId: string): Promise<ManualRunStart> {
  try {
    const { runId } = await client.workflow.getHandle(workflowId).describe();
    return { kind: 'pending', runId };
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    const reason = 'the request was given up (the API is stopping) before Temporal started the run';
    return { kind: 'not-started', reason };
  }
}

function isSkipped(outcome: ProcessRunOutcome): outcome is Extract<ProcessRunOutcome, { readonly skipped: true }> {
  return 'skipped' in outcome && outcome.skipped === true;
}

/**
 * Waits until the run ends (true) or the signal fires (false). A failed run has ended too: its
 * execution row says how.
 */
export async function awaitRunEnd(
  client: Client,
  run: { readonly workflowId: string; readonly runId: string },
  signal: AbortSignal,
): Promise<boolean> {
  try {
    await client.withAbortSignal(signal, () => client.workflow.getHandle(run.workflowId, run.runId).result());
    return true;
  } catch (err) {
    if (signal.aborted) return false;
    if (err instanceof WorkflowFailedError) return true;
    throw err; // Temporal itself failing: the API's error handler makes it a 503
  }
}

/**
 * Whether the workflow that holds an execution row open is still running. A row left `running` by a
 * workflow that is gone (terminated, say) does not block a new run, whose beginExecution closes it.
 */
export async function workflowIsRunning(client: Client, workflowId: string, runId: string | null): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(workflowId, runId ?? undefined).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}
