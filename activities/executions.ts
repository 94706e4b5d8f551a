import { log } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ExecutionStatus } from '../db/entities';
import type { Orm } from '../db/orm';
import { queueChainStarts, type ChainStart } from './chains/queue';
import { checkRequirements, type RequirementsCheck } from './chains/requirements';
import { pendingChainStarts, startChained } from './chains/start';
import type { ActivityDeps } from './deps';
import { createNotifier, queueSafely, type Notifier } from './notifications/notifier';
import { enqueueRunEvents } from './notifications/run-events';
import { loadProcess, runContext } from './process-of-run';
import type { BeginExecutionInput, BeginExecutionOutcome, ProcessResult } from './run-types';
import { createScheduledRunActivities } from './scheduled-runs';

const ONE_RUNNING_INDEX = 'automated_process_executions_one_running';

export interface RunningRow {
  execution_id: string;
  workflow_id: string | null;
  workflow_run_id: string | null;
}

/** Execution rows: opened when a run starts, always closed as completed or failed. */
export function createExecutionActivities(deps: ActivityDeps) {
  const { orm, temporal, defaultTimezone = 'UTC' } = deps;
  const notifier = createNotifier(deps);
  /** How the row's workflow ended (e.g. "TERMINATED", "NOT_FOUND"), or null while it still runs. */
  async function endedWorkflow(row: RunningRow): Promise<string | null> {
    if (!temporal || !row.workflow_id) return null;
    try {
      const description = await temporal.workflow
        .getHandle(row.workflow_id, row.workflow_run_id ?? undefined)
        .describe();
      return description.status.name === 'RUNNING' ? null : description.status.name;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  }

  /**
   * Opens the row, or names the run in progress. A row left running by a workflow that has ended
   * (terminated, say) is closed as failed first, and the open tried again.
   */
  async function openRow(input: BeginExecutionInput, processId: string, open: () => Promise<void>) {
    let running = await runningOrOpen(input, processId, open);
    const ended = running && (await endedWorkflow(running));
    if (running && ended) {
      await markStaleFailed(orm, running.execution_id, ended);
      running = await runningOrOpen(input, processId, open);
    }
    return running && running.execution_id !== input.executionId ? running : null;
  }

  async function runningOrOpen(
    input: BeginExecutionInput,
    processId: string,
    open: () => Promise<void>,
  ): Promise<RunningRow | null> {
    try {
      await open();
      return null;
    } catch (err) {
      if (!isUniqueViolation(err, ONE_RUNNING_INDEX)) throw err;
      const rows = await orm.em.getConnection().execute<RunningRow[]>(
        `SELECT execution_id, workflow_id, workflow_run_id FROM automated_process_executions
          WHERE process_id = ? AND status = 'running' AND workflow_id IS NOT NULL`,
        [processId],
      );
      return rows[0] ?? runningOrOpen(input, processId, open); // it finished in between
    }
  }

  const scheduledRuns = createScheduledRunActivities({
    orm,
    defaultTimezone,
    now: deps.now,
    openRow,
    insertRunning: (input, processId) => insertRunning(orm, input, processId),
    notifier,
  });

  return {
    async beginExecution(input: BeginExecutionInput): Promise<BeginExecutionOutcome> {
      const ofRun = await loadProcess(orm.em.fork(), input.processName, defaultTimezone);
      const { process } = ofRun;
      const running = await openRow(input, process.processId, () => insertRunning(orm, input, process.processId));
      if (running) {
        return { kind: 'skipped', runningExecutionId: running.execution_id, runningWorkflowId: running.workflow_id };
      }
      return { kind: 'started', run: runContext(input, ofRun) };
    },

    ...scheduledRuns,

    /** A scheduled run's `requires`, for its local day (the workflow waits while any is unmet). */
    async checkRunRequirements(input: { requires: readonly string[]; day: string }): Promise<RequirementsCheck> {
      return checkRequirements(orm.em.fork(), input, defaultTimezone);
    },

    async completeExecution(executionId: string, result: ProcessResult): Promise<void> {
      await finish(notifier, deps, executionId, ExecutionStatus.Completed, result, null);
      await startChainedRuns(deps, executionId);
    },

    /**
     * `outcome` 'timed_out': the run passed its policy's run_seconds (the row says failed either way,
     * as Behflow knows no other status; notifications tell the two apart).
     */
    async failExecution(executionId: string, errorMessage: string, outcome: FailedOutcome = 'failed'): Promise<void> {
      // As Behflow leaves a failed run: result NULL, the error in error_message alone.
      await finish(notifier, deps, executionId, ExecutionStatus.Failed, null, errorMessage, outcome);
      await startChainedRuns(deps, executionId);
    },
  };
}

async function insertRunning(orm: Orm, input: BeginExecutionInput, processId: string): Promise<void> {
  await orm.em.getConnection().execute(
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, trigger, logical_time, workflow_id, workflow_run_id, rerun_of,
        event_id, caused_by)
     VALUES (?, ?, 'running', now(), ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (execution_id) DO NOTHING`,
    [
      input.executionId,
      processId,
      input.trigger,
      input.logicalTime,
      input.workflowId,
      input.workflowRunId,
      input.rerunOf ?? null,
      input.eventId ?? null,
      input.causedBy ?? null,
    ],
  );
}

/** How a failed run ended, for its notifications. */
export type FailedOutcome = 'failed' | 'timed_out';

/**
 * Closes a running row once, and queues the notifications its closing causes in the same
 * transaction; a retried call finds it closed and changes (and queues) nothing.
 */
async function finish(
  notifier: Notifier,
  { chains }: Pick<ActivityDeps, 'chains'>,
  executionId: string,
  status: ExecutionStatus,
  result: ProcessResult | null,
  errorMessage: string | null,
  outcome?: FailedOutcome,
): Promise<void> {
  await notifier.inTransaction(async (em) => {
    const closed = await em.execute<{ process_id: string }[]>(
      `WITH closed AS (
         UPDATE automated_process_executions
            SET status = ?, completed_at = now(), result = ?::jsonb, error_message = ?
          WHERE execution_id = ? AND status = 'running'
          RETURNING process_id, completed_at)
       UPDATE automated_processes p SET last_executed_at = closed.completed_at
         FROM closed WHERE p.process_id = closed.process_id
       RETURNING p.process_id`,
      [status, result === null ? null : JSON.stringify(result), errorMessage, executionId],
    );
    const processId = closed[0]?.process_id;
    const queued = processId
      ? await queueSafely(em, `run ${executionId}`, () =>
          enqueueRunEvents(em, notifier.links, {
            executionId,
            processId,
            failure: status === ExecutionStatus.Failed ? (outcome ?? 'failed') : undefined,
            result,
          }),
        )
      : [];
    // Outside the notifications' savepoint: a chained run's start must commit with the closing, or neither.
    if (processId && chains) {
      const ending = status === ExecutionStatus.Completed ? 'completed' : 'failed';
      await queueChainStarts(em, chains.taskQueue, { executionId, processId, ending });
    }
    return { value: undefined, queued };
  });
}

/**
 * After the closing committed: starts the chained runs it queued, and any an earlier attempt of
 * this activity queued but died before starting. One that fails to start now stays queued: the
 * worker's 30-second pass (worker/chain-sweep.ts) starts it.
 */
async function startChainedRuns(deps: ActivityDeps, upstreamExecutionId: string): Promise<void> {
  const { chains, temporal, orm } = deps;
  if (!chains || !temporal) return;
  let pending: ChainStart[];
  try {
    pending = await pendingChainStarts(orm, { upstreamExecutionId });
  } catch (err) {
    log.warn("Chained runs not read; the worker's pass will start them", { error: String(err) });
    return;
  }
  for (const start of pending) {
    try {
      await startChained(orm, temporal, chains, start);
    } catch (err) {
      log.warn("Chained run queued; the worker's pass will start it", {
        workflowId: start.workflow_id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}

const WORKFLOW_ENDINGS: Record<string, string> = {
  NOT_FOUND: 'is gone',
  FAILED: 'failed',
  TERMINATED: 'was terminated',
  TIMED_OUT: 'timed out',
  CANCELLED: 'was cancelled',
  COMPLETED: 'completed',
  CONTINUED_AS_NEW: 'continued as new',
};

async function markStaleFailed(orm: Orm, executionId: string, workflowStatus: string): Promise<void> {
  const how = WORKFLOW_ENDINGS[workflowStatus] ?? `ended (${workflowStatus})`;
  const message = `its workflow ${how} without closing this row; closed by the next run`;
  await orm.em.getConnection().execute(
    `UPDATE automated_process_executions
        SET status = 'failed', completed_at = now(), error_message = ?
      WHERE execution_id = ? AND status = 'running'`,
    [message, executionId],
  );
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && e.constraint === constraint;
}
