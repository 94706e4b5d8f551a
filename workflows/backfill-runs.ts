import { runChild, type ChildRunOutcome } from './child-runs';

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
export type BackfilledTime = BackfillTime & ChildRunOutcome;

export interface BackfillResult {
  readonly times: readonly BackfilledTime[];
}

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
  const run = { processName: input.processName, trigger: 'backfill', logicalTime: time.logicalTime } as const;
  return { ...time, ...(await runChild(input.workflowType, time.workflowId, run)) };
}
