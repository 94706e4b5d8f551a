import { execution, executionsOf, newExecution, RESCHEDULE, type ExecutionRow } from './database';
import type { FaultStack } from './stack';
import { triggerSchedule } from './temporal';
import { eventually } from './timing';

/** What an operator does: trigger the reschedule schedule; resolves with the row the new run opens. */
export async function triggerRun(stack: FaultStack): Promise<ExecutionRow> {
  const known = new Set((await executionsOf(stack.pool, RESCHEDULE)).map((e) => e.execution_id));
  await triggerSchedule(stack.client, stack.taskQueue, RESCHEDULE);
  return eventually('the run opens its execution row', () => newExecution(stack.pool, RESCHEDULE, known), {
    timeoutMs: 60_000,
    intervalMs: 50,
  });
}

/** Resolves with the execution row once it is no longer running. */
export async function finished(stack: FaultStack, executionId: string, timeoutMs: number): Promise<ExecutionRow> {
  return eventually(
    'the run closes its execution row',
    async () => {
      const row = await execution(stack.pool, executionId);
      return row.status === 'running' ? undefined : row;
    },
    { timeoutMs, intervalMs: 200 },
  );
}
