import { Client, Connection, ScheduleOverlapPolicy } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { execution, executionsOf, newExecution, RESCHEDULE, type ExecutionRow } from './database';
import type { FaultStack } from './stack';
import { eventually } from './timing';

export async function connectClient(address: string): Promise<Client> {
  const connection = await Connection.connect({ address });
  return new Client({ connection, namespace: 'default' });
}

/** What an operator does: trigger the process's schedule, skipping if a run is in progress. */
export async function triggerSchedule(client: Client, taskQueue: string, processName: string): Promise<void> {
  await client.schedule.getHandle(`${taskQueue}:${processName}`).trigger(ScheduleOverlapPolicy.SKIP);
}

const { PendingActivityState } = temporal.api.enums.v1;

export async function pendingActivities(client: Client, workflowId: string, runId?: string) {
  const description = await client.workflow.getHandle(workflowId, runId).describe();
  return (description.raw.pendingActivities ?? []).map((a) => ({
    type: a.activityType?.name ?? '?',
    attempt: a.attempt ?? 0,
    state: PendingActivityState[a.state ?? 0] ?? String(a.state),
    lastFailure: a.lastFailure?.message ?? undefined,
    /** The SDK's default identity: `<pid>@<host>`. */
    workerIdentity: a.lastWorkerIdentity ?? undefined,
  }));
}

/**
 * Which activity attempts the history records: activity type -> attempt of each start, in order
 * (only the last attempt of each activity is an event).
 */
export async function activityAttempts(client: Client, workflowId: string, runId?: string) {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const types = new Map<string, string>();
  const starts: Record<string, number[]> = {};
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) types.set(String(event.eventId), scheduled.activityType?.name ?? '?');
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const type = types.get(String(started.scheduledEventId)) ?? '?';
      (starts[type] ??= []).push(started.attempt ?? 0);
    }
  }
  return { starts, events: history.events?.length ?? 0 };
}

export async function runningWorkflows(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  const query = `TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`;
  for await (const workflow of client.workflow.list({ query })) ids.push(workflow.workflowId);
  return ids;
}

export async function workflowStatus(client: Client, workflowId: string, runId?: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId, runId).describe()).status.name;
}

/** What an operator does: trigger the reschedule schedule; resolves with the row the new run opens. */
export async function triggerRun(stack: FaultStack): Promise<ExecutionRow> {
  const known = new Set((await executionsOf(stack.pool, RESCHEDULE)).map((e) => e.execution_id));
  await triggerSchedule(stack.client, stack.taskQueue, RESCHEDULE);
  const opened = () => newExecution(stack.pool, RESCHEDULE, known);
  return eventually('the run opens its execution row', opened, { timeoutMs: 60_000, intervalMs: 50 });
}

/** Resolves with the execution row once it is no longer running. */
export async function finished(stack: FaultStack, executionId: string, timeoutMs: number): Promise<ExecutionRow> {
  const closed = () => execution(stack.pool, executionId).then((row) => (row.status === 'running' ? undefined : row));
  return eventually('the run closes its execution row', closed, { timeoutMs });
}
