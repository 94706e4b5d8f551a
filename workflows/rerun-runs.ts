import { runChild, type ChildRunOutcome } from './child-runs';

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
export type RerunOutcome = Rerun & ChildRunOutcome;

export interface RerunsResult {
  readonly reruns: readonly RerunOutcome[];
}

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
  const run = {
    processName: input.processName,
    trigger: 'rerun',
    logicalTime: rerun.logicalTime,
    executionId: rerun.executionId,
    rerunOf: rerun.rerunOf,
  } as const;
  return { ...rerun, ...(await runChild(input.workflowType, rerun.workflowId, run)) };
}
