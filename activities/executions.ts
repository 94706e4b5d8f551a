import { log } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ExecutionStatus } from '../db/entities';
import type { Orm } from '../db/orm';
import { queueChainStarts, type ChainStart } from './chains/queue';
import { checkRequirements, type RequirementsCheck } from './chains/requirements';
import { pendingChainStarts, startChained } from './chains/start';
import type { ActivityDeps } from './deps';
import { createNotifier, queueSafely, type Notifier } from './notifications/notifier';
import { enqueueRunEvents } from './notifications/run-events';
import { concurrencyKeyValue, DEFAULT_MAX_CONCURRENT_RUNS } from '../config/concurrency';
import {
  admitNewRun,
  admitPendingRun,
  closedWhileWaiting,
  pendingOutcome,
  type Admission,
  type AdmissionRequest,
  type OpenRow,
  type Placement,
  type SlotHolder,
} from './admission';
import { loadProcess, runContext, type ProcessOfRun } from './process-of-run';
import {
  RUN_MAY_START,
  type AdmitPendingOutcome,
  type BeginExecutionInput,
  type BeginExecutionOutcome,
  type ProcessResult,
} from './run-types';
import { createScheduledRunActivities } from './scheduled-runs';

export interface RunningRow {
  execution_id: string;
  workflow_id: string | null;
  workflow_run_id: string | null;
}

/** A workflow described as running is not described again for this long (a gone one is found that much later). */
const SEEN_RUNNING_MS = 10_000;

/** Execution rows: opened when a run starts (or waits for a slot), always closed as completed or failed. */
export function createExecutionActivities(deps: ActivityDeps) {
  const { orm, temporal, defaultTimezone = 'UTC' } = deps;
  const maxConcurrentRuns = deps.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS;
  const notifier = createNotifier(deps);
  /**
   * Workflows seen running, until when they are taken to be so without asking again: 200 waiting runs
   * each describing the runs before them on every look made thousands of calls under load, and each
   * look (a local activity) took seconds.
   */
  const seenRunning = new Map<string, number>();
  /**
   * How the row's workflow ended (e.g. "TERMINATED", "NOT_FOUND"), or null while it still runs.
   * `fresh`: ask Temporal even if it was seen running lately (before a run is skipped for it).
   */
  async function endedWorkflow(row: RunningRow, fresh: boolean): Promise<string | null> {
    if (!temporal || !row.workflow_id) return null;
    const seen = `${row.workflow_id}/${row.workflow_run_id ?? ''}`;
    if (!fresh && (seenRunning.get(seen) ?? 0) > Date.now()) return null;
    try {
      const description = await temporal.workflow
        .getHandle(row.workflow_id, row.workflow_run_id ?? undefined)
        .describe();
      if (description.status.name !== 'RUNNING') return description.status.name;
      if (seenRunning.size > 10_000) seenRunning.clear();
      seenRunning.set(seen, Date.now() + SEEN_RUNNING_MS);
      return null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw err;
    }
  }

  /**
   * Closes the rows of holders whose workflow has ended (terminated, say) without closing them; whether any was.
   * `fresh` for a decision that would drop the run (busy): a waiting run looks again anyway, a skipped one never.
   */
  async function closeStale(suspects: readonly SlotHolder[], fresh = false): Promise<boolean> {
    let closed = false;
    for (const holder of suspects) {
      const ended = await endedWorkflow(holder, fresh);
      if (ended) {
        await markStaleFailed(orm, holder.execution_id, ended);
        closed = true;
      }
    }
    return closed;
  }

  async function admissionRequest(input: BeginExecutionInput, ofRun: ProcessOfRun): Promise<AdmissionRequest> {
    const { concurrency, overlap } = ofRun;
    const data = concurrency.key && input.eventId ? await eventData(orm, input.eventId) : undefined;
    return {
      executionId: input.executionId,
      processId: ofRun.process.processId,
      processName: ofRun.process.name,
      trigger: input.trigger,
      key: concurrencyKeyValue(concurrency.key, data),
      queues: input.queues === true,
      limits: { maxConcurrentRuns, concurrency, overlap },
    };
  }

  /**
   * Opens the row running, or pending when a limit holds the run back, or names the run in progress
   * (busy). Holders whose workflow has ended are closed as stale first, and the admission tried again;
   * under overlap cancel_other the runs in the way are asked to cancel.
   */
  async function openRow(input: BeginExecutionInput, ofRun: ProcessOfRun, open: OpenRow): Promise<Admission> {
    const request = await admissionRequest(input, ofRun);
    let decision = await admitNewRun(orm, request, open);
    if (decision.kind !== 'opened' && (await closeStale(decision.suspects, decision.kind === 'busy'))) {
      decision = await admitNewRun(orm, request, open);
    }
    if (decision.kind === 'pending') await cancelRuns(decision.cancel, input.executionId);
    return decision;
  }

  async function cancelRuns(holders: readonly SlotHolder[], by: string): Promise<void> {
    if (!temporal) return;
    for (const holder of holders) {
      log.info('Cancelling a run in the way (overlap cancel_other)', { executionId: holder.execution_id, by });
      try {
        await temporal.workflow.getHandle(holder.workflow_id, holder.workflow_run_id ?? undefined).cancel();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  }

  const scheduledRuns = createScheduledRunActivities({
    orm,
    defaultTimezone,
    now: deps.now,
    openRow,
    insertRow: (em, input, processId, placement) => insertRow(em, input, processId, placement),
    notifier,
  });

  return {
    async beginExecution(input: BeginExecutionInput): Promise<BeginExecutionOutcome> {
      const ofRun = await loadProcess(orm.em.fork(), input.processName, defaultTimezone);
      const admission = await openRow(input, ofRun, (em, placement) =>
        insertRow(em, input, ofRun.process.processId, placement),
      );
      switch (admission.kind) {
        case 'opened':
          return { kind: 'started', run: runContext(input, ofRun) };
        case 'pending':
          return pendingOutcome(input, admission.reason);
        case 'busy':
          return {
            kind: 'skipped',
            runningExecutionId: admission.holder.execution_id,
            runningWorkflowId: admission.holder.workflow_id,
          };
        case 'gone':
          throw closedWhileWaiting(input.executionId, admission.status);
      }
    },

    /** A run waiting for a slot looks again (woken by RUN_MAY_START, or after a while). */
    async admitPendingRun(input: BeginExecutionInput): Promise<AdmitPendingOutcome> {
      const ofRun = await loadProcess(orm.em.fork(), input.processName, defaultTimezone);
      const request = await admissionRequest(input, ofRun);
      let decision = await admitPendingRun(orm, request);
      if (decision.kind === 'pending' && (await closeStale(decision.suspects))) {
        decision = await admitPendingRun(orm, request);
      }
      if (decision.kind === 'opened') return { kind: 'started', run: runContext(input, ofRun) };
      if (decision.kind === 'pending') return { kind: 'pending', reason: decision.reason };
      return { kind: 'gone', status: decision.kind === 'gone' ? decision.status : 'unknown' };
    },

    ...scheduledRuns,

    /** A scheduled run's `requires`, for its local day (the workflow waits while any is unmet). */
    async checkRunRequirements(input: { requires: readonly string[]; day: string }): Promise<RequirementsCheck> {
      return checkRequirements(orm.em.fork(), input, defaultTimezone);
    },

    async completeExecution(executionId: string, result: ProcessResult): Promise<void> {
      await finish(notifier, deps, executionId, ExecutionStatus.Completed, result, null);
      await startChainedRuns(deps, executionId);
      await wakeWaitingRuns(deps, maxConcurrentRuns);
    },

    /**
     * `outcome` 'timed_out': the run passed its policy's run_seconds (the row says failed either way,
     * as Behflow knows no other status; notifications tell the two apart). Also closes a pending row
     * (its run cancelled while it waited).
     */
    async failExecution(executionId: string, errorMessage: string, outcome: FailedOutcome = 'failed'): Promise<void> {
      // As Behflow leaves a failed run: result NULL, the error in error_message alone.
      await finish(notifier, deps, executionId, ExecutionStatus.Failed, null, errorMessage, outcome);
      await startChainedRuns(deps, executionId);
      await wakeWaitingRuns(deps, maxConcurrentRuns);
    },
  };
}

async function eventData(orm: Orm, eventId: string): Promise<Record<string, unknown> | undefined> {
  const [row] = await orm.em
    .getConnection()
    .execute<{ data: unknown }[]>(`SELECT data FROM automated_process_events WHERE event_id = ?`, [eventId]);
  const data = row?.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

/**
 * Inserts the run's row, running in its slot or pending with why. The status is written as a literal:
 * the column's type is Behflow's enum, under whichever name its database gives it.
 */
async function insertRow(
  em: EntityManager,
  input: BeginExecutionInput,
  processId: string,
  placement: Placement,
): Promise<void> {
  const status = placement.status === 'running' ? `'running'` : `'pending'`;
  const queuedAt = placement.status === 'pending' ? 'clock_timestamp()' : 'NULL';
  await em.execute(
    `INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, trigger, logical_time, workflow_id, workflow_run_id, rerun_of,
        event_id, caused_by, concurrency_key, concurrency_slot, queued_at, waiting_reason)
     VALUES (?, ?, ${status}, clock_timestamp(), ?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, ${queuedAt}, ?)
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
      placement.key,
      placement.status === 'running' ? placement.slot : null,
      placement.status === 'pending' ? placement.reason : null,
    ],
  );
}

/**
 * After a run's row closed: the waiting runs that may now start are signalled to look again. Those
 * are the first in line of each process and key whose limit has a slot free, oldest first, as many
 * as MAX_CONCURRENT_RUNS has slots free. Best effort: a waiting run also looks again on its own after a while.
 */
async function wakeWaitingRuns(deps: ActivityDeps, maxConcurrentRuns: number): Promise<void> {
  const { temporal, orm } = deps;
  if (!temporal) return;
  try {
    const waiting = await orm.em.getConnection().execute<RunningRow[]>(
      `SELECT w.execution_id, w.workflow_id, w.workflow_run_id
         FROM automated_process_executions w
         LEFT JOIN automated_process_registrations r ON r.process_id = w.process_id
        WHERE w.status = 'pending' AND w.workflow_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM automated_process_executions ahead
                           WHERE ahead.process_id = w.process_id AND ahead.status = 'pending'
                             AND ahead.workflow_id IS NOT NULL
                             AND coalesce(ahead.concurrency_key, '') = coalesce(w.concurrency_key, '')
                             AND (ahead.queued_at, ahead.execution_id) < (w.queued_at, w.execution_id))
          AND (SELECT count(*) FROM automated_process_executions held
                WHERE held.process_id = w.process_id AND held.status = 'running' AND held.workflow_id IS NOT NULL
                  AND coalesce(held.concurrency_key, '') = coalesce(w.concurrency_key, ''))
              < CASE WHEN jsonb_typeof(r.concurrency -> 'limit') = 'number' THEN (r.concurrency ->> 'limit')::int ELSE 1 END
        ORDER BY w.queued_at
        LIMIT greatest(0, ? - (SELECT count(*) FROM automated_process_executions
                                WHERE status = 'running' AND workflow_id IS NOT NULL))`,
      [maxConcurrentRuns],
    );
    for (const row of waiting) {
      if (!row.workflow_id) continue;
      try {
        await temporal.workflow.getHandle(row.workflow_id, row.workflow_run_id ?? undefined).signal(RUN_MAY_START);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    }
  } catch (err) {
    log.warn('Waiting runs not woken; they look again on their own', { error: String(err) });
  }
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
            SET status = ?, completed_at = now(), result = ?::jsonb, error_message = ?, waiting_reason = NULL
          WHERE execution_id = ? AND status IN ('running', 'pending')
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
        SET status = 'failed', completed_at = now(), error_message = ?, waiting_reason = NULL
      WHERE execution_id = ? AND status IN ('running', 'pending')`,
    [message, executionId],
  );
}
