import { ChildWorkflowFailure, ParentClosePolicy, startChild } from '@temporalio/workflow';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import { PROCESS_SEARCH_ATTRIBUTE } from '../platform/search-attributes';
import { describeFailure, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

/** One time of a backfill: the instant its run is for, and that run's workflow id (temporal/ids.ts). */
export interface BackfillTime {
  readonly logicalTime: string;
  readonly workflowId: string;
}

export interface BackfillInput {
  readonly processName: string;
  /** The process's workflow type, which each time's run is. */
  readonly workflowType: string;
  /** In the order they run: the firing rule's instants, ascending. */
  readonly times: readonly BackfillTime[];
}

/** How one time went: its run completed, was skipped, failed, or could not start. */
export type BackfilledTime = BackfillTime &
  (
    | { readonly status: 'completed' }
    | { readonly status: 'skipped'; readonly outcome: ProcessRunOutcome }
    | { readonly status: 'failed'; readonly reason: string }
    | { readonly status: 'not-started'; readonly reason: string }
  );

export interface BackfillResult {
  readonly times: readonly BackfilledTime[];
}

const PROCESS_KEY = defineSearchAttributeKey(PROCESS_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

/**
 * A backfill: runs each time in order, one after another, as a child workflow of the process's
 * workflow type on this task queue, recorded with trigger 'backfill' and the time as its logical
 * time. Not a process run itself (it opens no execution row). A time that cannot start (its run's
 * id is already running: another backfill has it) or whose run fails is reported, and the next
 * time still runs.
 */
export async function backfillTimes(input: BackfillInput): Promise<BackfillResult> {
  const times: BackfilledTime[] = [];
  for (const time of input.times) times.push(await runTime(input, time));
  return { times };
}

async function runTime(input: BackfillInput, time: BackfillTime): Promise<BackfilledTime> {
  const args: [ProcessRunInput] = [
    { processName: input.processName, trigger: 'backfill', logicalTime: time.logicalTime },
  ];
  let child;
  try {
    child = await startChild(input.workflowType, {
      workflowId: time.workflowId,
      args,
      typedSearchAttributes: [{ key: PROCESS_KEY, value: input.processName }],
      memo: { process: input.processName },
      // Terminating the backfill drops the times to come; the run in progress still finishes its day.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { ...time, status: 'not-started', reason: `workflow ${time.workflowId} is already running` };
  }
  try {
    const outcome = (await child.result()) as ProcessRunOutcome;
    return 'skipped' in outcome && outcome.skipped === true
      ? { ...time, status: 'skipped', outcome }
      : { ...time, status: 'completed' };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    return { ...time, status: 'failed', reason: describeFailure(err) };
  }
}
