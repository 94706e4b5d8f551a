import { ApplicationFailure, sleep } from '@temporalio/workflow';
import type { createExecutionActivities } from '../activities/executions';
import type { RunContext } from '../activities/run-types';

type ExecutionActivities = ReturnType<typeof createExecutionActivities>;

/** The type of the failure a scheduled run ends with when a requirement was not met in time. */
export const REQUIREMENT_NOT_MET = 'RequirementNotMet';
/** How long a run waits before looking again: 2 s doubling to a minute. */
const FIRST_WAIT_MS = 2_000;
const MAX_WAIT_MS = 60_000;
/** The last look comes this long before the run's bound, so the failure names the requirement, not the timeout. */
const BEFORE_BOUND_MS = 1_000;

/**
 * Waits (workflow timers between checks) until every process the run requires has completed for
 * its local day; past the run's bound (timeouts.run_seconds, counted from now, when the run's work
 * would start) it fails, non-retryable, naming the requirements not met.
 */
export async function requirementsMet(
  run: RunContext,
  runSeconds: number,
  executionRows: Pick<ExecutionActivities, 'checkRunRequirements'>,
): Promise<void> {
  const lastLook = Date.now() + runSeconds * 1000 - BEFORE_BOUND_MS;
  let waitMs = FIRST_WAIT_MS;
  for (;;) {
    const { unmet } = await executionRows.checkRunRequirements({ requires: run.requires ?? [], day: run.day });
    if (unmet.length === 0) return;
    const left = lastLook - Date.now();
    if (left <= 0) throw ApplicationFailure.nonRetryable(unmet.join('; '), REQUIREMENT_NOT_MET);
    await sleep(Math.min(waitMs, left));
    waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
  }
}
