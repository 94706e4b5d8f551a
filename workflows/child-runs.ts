import { ChildWorkflowFailure, ParentClosePolicy, startChild } from '@temporalio/workflow';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import { PROCESS_SEARCH_ATTRIBUTE } from '../platform/search-attributes';
import { describeFailure, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

/** How one run started by a coordinator (backfill, reruns) went. */
export type ChildRunOutcome =
  | { readonly status: 'completed' }
  | { readonly status: 'skipped'; readonly outcome: ProcessRunOutcome }
  | { readonly status: 'failed'; readonly reason: string }
  | { readonly status: 'not-started'; readonly reason: string };

const PROCESS_KEY = defineSearchAttributeKey(PROCESS_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

/**
 * One run of a process as a child workflow of its workflow type, to its end. A run whose id is
 * already running (another coordinator has it) does not start; one that fails is reported, not thrown.
 */
export async function runChild(
  workflowType: string,
  workflowId: string,
  input: ProcessRunInput,
): Promise<ChildRunOutcome> {
  let child;
  try {
    child = await startChild(workflowType, {
      workflowId,
      args: [input],
      typedSearchAttributes: [{ key: PROCESS_KEY, value: input.processName }],
      memo: { process: input.processName },
      // Terminating the coordinator drops the runs to come; the run in progress still finishes.
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { status: 'not-started', reason: `workflow ${workflowId} is already running` };
  }
  try {
    const outcome = (await child.result()) as ProcessRunOutcome;
    return 'skipped' in outcome && outcome.skipped === true ? { status: 'skipped', outcome } : { status: 'completed' };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    return { status: 'failed', reason: describeFailure(err) };
  }
}
