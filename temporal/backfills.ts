import type { Client } from '@temporalio/client';
import type { Schedule } from '../config/schedule';
import { firingTimesBetween } from '../time';
import type { BackfillInput, backfillTimes } from '../workflows/backfill-runs';
import { backfillIds } from './ids';
import { PROCESS_KEY } from './schedule-options';

export interface BackfillRequest {
  readonly processName: string;
  readonly schedule: Schedule;
  /** The process's workflow type: each time runs as one. */
  readonly workflowType: string;
  readonly taskQueue: string;
  /** Epoch ms, both included. */
  readonly range: { readonly start: number; readonly end: number };
}

export interface BackfillStarted {
  /** The firing rule's instants in the range, ascending: the runs to come. */
  readonly times: readonly number[];
  /** The backfill's own workflow, absent when no time falls in the range. */
  readonly workflow?: { readonly workflowId: string; readonly runId: string };
}

/**
 * Starts a backfill: the firing rule's times in the range (time/firing-times.ts, so a gap's time
 * moves forward and a fold's runs once, as the schedule fires; any year, not only the schedule's
 * horizon), run one after another by the backfillTimes workflow, each recorded with trigger
 * 'backfill'. It needs no Temporal schedule: only the process row's time and zone.
 */
export async function startBackfill(client: Client, request: BackfillRequest): Promise<BackfillStarted> {
  const { processName, schedule, range } = request;
  const times = firingTimesBetween(schedule.timezone, schedule, range.start, range.end);
  if (times.length === 0) return { times };
  const ids = backfillIds(processName, request, times);
  const input: BackfillInput = {
    processName,
    workflowType: request.workflowType,
    times: times.map((t, i) => ({ logicalTime: new Date(t).toISOString(), workflowId: ids.runWorkflowIds[i]! })),
  };
  const handle = await client.workflow.start<typeof backfillTimes>('backfillTimes', {
    taskQueue: request.taskQueue,
    workflowId: ids.workflowId,
    args: [input],
    typedSearchAttributes: [{ key: PROCESS_KEY, value: processName }],
    memo: { process: processName },
    staticSummary: `backfill of ${processName}: ${times.length} run(s)`,
  });
  return { times, workflow: { workflowId: handle.workflowId, runId: handle.firstExecutionRunId } };
}
