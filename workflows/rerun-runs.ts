import { ChildWorkflowFailure, ParentClosePolicy, startChild } from '@temporalio/workflow';
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/common';
import { PROCESS_SEARCH_ATTRIBUTE } from '../platform/search-attributes';
import { describeFailure, type ProcessRunInput, type ProcessRunOutcome } from './run-and-record';

/** One rerun: the failed execution, the instant it ran for, and the rerun's ids. */
export interface Rerun {
  readonly rerunOf: string;
  readonly logicalTime: string;
  readonly executionId: string;
  readonly workflowId: string;
}

export interface RerunsInput {
  readonly processName: string;
  /** The process's workflow type, which each rerun is. */
  readonly workflowType: string;
  /** In the order they run: by logical time, ascending. */
  readonly reruns: readonly Rerun[];
}

/** How one rerun went. */
export type RerunOutcome = Rerun &
  (
    | { readonly status: 'completed' }
    | { readonly status: 'skipped'; readonly outcome: ProcessRunOutcome }
    | { readonly status: 'failed'; readonly reason: string }
    | { readonly status: 'not-started'; readonly reason: string }
  );

export interface RerunsResult {
  readonly reruns: readonly RerunOutcome[];
}

const PROCESS_KEY = defineSearchAttributeKey(PROCESS_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

/**
 * Reruns failed executions one after another, each as a child workflow of the process's workflow
 * type with trigger 'rerun', its execution's logical time and rerun_of. Not a process run itself (it
 * opens no row). A rerun that finds another run of the process in progress ends skipped; one that
 * fails is reported; the next still runs.
 */
export async function rerunExecutions(input: RerunsInput): Promise<RerunsResult> {
  const reruns: RerunOutcome[] = [];
  for (const rerun of input.reruns) reruns.push(await runOne(input, rerun));
  return { reruns };
}

async function runOne(input: RerunsInput, rerun: Rerun): Promise<RerunOutcome> {
  const args: [ProcessRunInput] = [
    {
      processName: input.processName,
      trigger: 'rerun',
      logicalTime: rerun.logicalTime,
      executionId: rerun.executionId,
      rerunOf: rerun.rerunOf,
    },
  ];
  let child;
  try {
    child = await startChild(input.workflowType, {
      workflowId: rerun.workflowId,
      args,
      typedSearchAttributes: [{ key: PROCESS_KEY, value: input.processName }],
      memo: { process: input.processName },
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { ...rerun, status: 'not-started', reason: `workflow ${rerun.workflowId} is already running` };
  }
  try {
    const outcome = (await child.result()) as ProcessRunOutcome;
    return 'skipped' in outcome && outcome.skipped === true
      ? { ...rerun, status: 'skipped', outcome }
      : { ...rerun, status: 'completed' };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    return { ...rerun, status: 'failed', reason: describeFailure(err) };
  }
}
