import { setTimeout as sleep } from 'node:timers/promises';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import type { Config } from '../../../config';
import { ExecutionStatus } from '../../../db/entities';
import type { Orm } from '../../../db/orm';
import { findLiveProcess, type CatalogEntry } from '../../../processes/catalog';
import type { ProcessDefinition } from '../../../processes/definition';
import { PROCESS_KEY } from '../../../temporal/schedule-options';
import type { ProcessRunInput, ProcessRunOutcome } from '../../../workflows';
import { describeFailure } from '../../../workflows/run-and-record';
import { ApiError, notFound } from '../../errors';
import type { ExecutionView } from '../../schemas/execution';
import type { TriggerAccepted } from '../../schemas/runs';
import { workflowUiUrl } from '../../views/links';
import { findExecutionView, rowToView } from './executions';
import { manualRunIds } from '../../../temporal/ids';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** How long a trigger waits for the run's execution row before answering 202 "pending". */
export const OPEN_WAIT_MS = 10 * SECOND;
/** How long ?wait=true waits for the outcome before answering 202 with the run as it is. */
export const OUTCOME_WAIT_MS = 5 * MINUTE;
const POLL_MS = 50;

export interface RunDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly config: Config;
  readonly registry: readonly ProcessDefinition[];
}

export interface TriggerRequest {
  readonly name: string;
  readonly idempotencyKey?: string;
  readonly wait: boolean;
  /** Aborted when the server shuts down: a waiting request answers 202 at once instead of holding it up. */
  readonly signal?: AbortSignal;
  /** For tests: shorter waits. */
  readonly openWaitMs?: number;
  readonly outcomeWaitMs?: number;
}

/** 202: the run is on its way (or was already); 200: it finished (wait=true), with its execution. */
export type TriggerOutcome =
  | { readonly kind: 'accepted'; readonly body: TriggerAccepted }
  | { readonly kind: 'finished'; readonly execution: ExecutionView };

interface StartedRun {
  readonly processName: string;
  readonly executionId: string;
  readonly handle: WorkflowHandle;
  readonly runId: string;
}

/**
 * POST /processes/:name/trigger. Starts the process's workflow now, as Temporal would from its
 * schedule but with trigger "manual", and answers once the run has opened its execution row (or
 * finished, with wait=true). A run in progress, whatever started it, means 409 and nothing started.
 */
export async function triggerRun(deps: RunDeps, request: TriggerRequest): Promise<TriggerOutcome> {
  const deadline = Date.now() + (request.outcomeWaitMs ?? OUTCOME_WAIT_MS);
  const entry = await runnableProcess(deps, request.name);
  const { process } = entry;
  const ids = manualRunIds(process, deps.config, request.idempotencyKey);

  if (request.idempotencyKey !== undefined) {
    // A retried request whose run opened its row: the same execution, whatever happened since.
    const replayed = await findExecutionView(deps.orm.em.fork(), deps.config, ids.executionId);
    if (replayed?.workflow_id) {
      const handle = deps.client.workflow.getHandle(replayed.workflow_id, replayed.workflow_run_id ?? undefined);
      const run = {
        processName: process.name,
        executionId: ids.executionId,
        handle,
        runId: replayed.workflow_run_id ?? '',
      };
      if (!request.wait) return answer(deps, run, replayed);
      if (!isOpen(replayed.status)) return { kind: 'finished', execution: replayed };
      return awaitOutcome(deps, run, deadline, request.signal);
    }
  }

  await refuseWhileRunning(deps, process.processId, process.name);

  const run = await startRun(deps, entry, ids);
  if (request.wait) return awaitOutcome(deps, run, deadline, request.signal);
  return awaitOpened(deps, run, Date.now() + (request.openWaitMs ?? OPEN_WAIT_MS), request.signal);
}

async function runnableProcess(deps: RunDeps, name: string): Promise<CatalogEntry & { definition: ProcessDefinition }> {
  const entry = await findLiveProcess(deps.orm.em.fork(), deps.registry, name);
  if (!entry) throw notFound('process', name);
  const { definition } = entry;
  if (!definition) {
    throw new ApiError(
      409,
      'NO_IMPLEMENTATION',
      `process "${name}" is implemented by "${entry.implementation}", which is not registered in this deployment, ` +
        'so it cannot run; registered implementations: ' +
        (deps.registry.map((d) => d.name).join(', ') || 'none'),
    );
  }
  return { ...entry, definition };
}

interface RunningRow extends Record<string, unknown> {
  workflow_id: string;
  workflow_run_id: string | null;
}

/**
 * 409 with the execution in progress, if there is one whose workflow is still running. A row left
 * `running` by a terminated workflow does not count: the new run's beginExecution closes it.
 */
async function refuseWhileRunning(deps: RunDeps, processId: string, processName: string): Promise<void> {
  const em = deps.orm.em.fork();
  const [running] = await em.getConnection().execute<RunningRow[]>(
    `SELECT * FROM automated_process_executions
      WHERE process_id = ? AND status = 'running' AND workflow_id IS NOT NULL`,
    [processId],
  );
  if (!running || !(await workflowIsRunning(deps.client, running.workflow_id, running.workflow_run_id))) return;
  throw runInProgress(rowToView(em, deps.config, running, processName));
}

async function workflowIsRunning(client: Client, workflowId: string, runId: string | null): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(workflowId, runId ?? undefined).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

function runInProgress(execution: ExecutionView | undefined, detail = ''): ApiError {
  const which = execution ? `execution ${execution.execution_id}` : 'another run';
  return new ApiError(
    409,
    'RUN_IN_PROGRESS',
    `${which} of this process is in progress${detail}; runs of a process never overlap, try again when it has finished`,
    execution ? { execution } : {},
  );
}

async function startRun(
  deps: RunDeps,
  { process, definition }: CatalogEntry & { definition: ProcessDefinition },
  ids: { workflowId: string; executionId: string },
): Promise<StartedRun> {
  const input: ProcessRunInput = {
    processName: process.name,
    trigger: 'manual',
    logicalTime: new Date().toISOString(),
    executionId: ids.executionId,
  };
  try {
    const handle = await deps.client.workflow.start(definition.workflow.type, {
      taskQueue: deps.config.taskQueue,
      workflowId: ids.workflowId,
      args: [input],
      typedSearchAttributes: [{ key: PROCESS_KEY, value: process.name }],
      memo: { process: process.name },
      // With an Idempotency-Key the id is derived from it: a retry joins the run already started
      // (USE_EXISTING) or finds the one that finished (REJECT_DUPLICATE), and never starts another.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return { processName: process.name, executionId: ids.executionId, handle, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const handle = deps.client.workflow.getHandle(ids.workflowId);
    const { runId } = await handle.describe();
    return { processName: process.name, executionId: ids.executionId, handle, runId };
  }
}

type Race =
  | { readonly kind: 'row'; readonly execution: ExecutionView }
  | { readonly kind: 'closed'; readonly value?: ProcessRunOutcome; readonly error?: unknown }
  | { readonly kind: 'timeout' };

/**
 * Waits until the run's execution row exists (202) or the workflow ended without one: skipped
 * because another run was in progress (409), or failed before opening it (409). No worker at all:
 * 202 "pending" at the deadline.
 */
async function awaitOpened(
  deps: RunDeps,
  run: StartedRun,
  deadline: number,
  stop: AbortSignal | undefined,
): Promise<TriggerOutcome> {
  const race = await raceWorkflow(deps, run, deadline, stop, async (signal) => {
    while (!signal.aborted) {
      const execution = await findExecutionView(deps.orm.em.fork(), deps.config, run.executionId);
      if (execution) return { kind: 'row', execution };
      await sleep(POLL_MS, undefined, { signal }).catch(() => undefined);
    }
    return undefined;
  });
  if (race.kind === 'row') return answer(deps, run, race.execution);
  if (race.kind === 'timeout') {
    return answer(deps, run, await findExecutionView(deps.orm.em.fork(), deps.config, run.executionId));
  }
  return closed(deps, run, race, false);
}

/** wait=true: the outcome (200), or the run as it is when the wait runs out (202). */
async function awaitOutcome(
  deps: RunDeps,
  run: StartedRun,
  deadline: number,
  stop: AbortSignal | undefined,
): Promise<TriggerOutcome> {
  const race = await raceWorkflow(deps, run, deadline, stop);
  if (race.kind === 'closed') return closed(deps, run, race, true);
  return answer(deps, run, await findExecutionView(deps.orm.em.fork(), deps.config, run.executionId));
}

/** The workflow has ended: its row says how, or its result says why there is none. */
async function closed(
  deps: RunDeps,
  run: StartedRun,
  race: Race & { kind: 'closed' },
  wait: boolean,
): Promise<TriggerOutcome> {
  const em = deps.orm.em.fork();
  const execution = await findExecutionView(em, deps.config, run.executionId);
  if (execution) return wait ? { kind: 'finished', execution } : answer(deps, run, execution);
  const value = race.value;
  if (isSkipped(value)) {
    throw runInProgress(
      await findExecutionView(em, deps.config, value.running_execution_id),
      ' (this request started a run, which stopped at once without doing anything)',
    );
  }
  const why =
    race.error instanceof WorkflowFailedError
      ? describeFailure(race.error.cause ?? race.error)
      : 'its workflow ended without an execution row';
  throw new ApiError(409, 'RUN_NOT_STARTED', `the run of process "${run.processName}" ended before it began: ${why}`);
}

/**
 * Races the workflow's result with `other` (if any) and the deadline (or `stop`, which counts as
 * the deadline); the losers are abandoned: the result's long poll is cancelled through the client's
 * abort signal, `other` sees the signal.
 */
async function raceWorkflow(
  deps: RunDeps,
  run: StartedRun,
  deadline: number,
  stop: AbortSignal | undefined,
  other?: (signal: AbortSignal) => Promise<Race | undefined>,
): Promise<Race> {
  const abort = new AbortController();
  const onStop = () => abort.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  if (stop?.aborted) abort.abort();
  try {
    const result: Promise<Race> = deps.client
      .withAbortSignal(abort.signal, () => run.handle.result() as Promise<ProcessRunOutcome>)
      .then(
        (value): Race => ({ kind: 'closed', value }),
        (error: unknown): Race => {
          if (abort.signal.aborted) return { kind: 'timeout' };
          if (error instanceof WorkflowFailedError) return { kind: 'closed', error };
          throw error; // Temporal itself failing: the error handler makes it a 503
        },
      );
    const timeout = sleep(Math.max(0, deadline - Date.now()), { kind: 'timeout' } as Race, {
      signal: abort.signal,
    }).catch((): Race => ({ kind: 'timeout' }));
    const racers = [result, timeout];
    if (other) racers.push(other(abort.signal).then<Race>((r) => r ?? new Promise<Race>(() => undefined)));
    return await Promise.race(racers);
  } finally {
    stop?.removeEventListener('abort', onStop);
    abort.abort();
  }
}

function isSkipped(
  value: ProcessRunOutcome | undefined,
): value is { success: false; skipped: true; running_execution_id: string } {
  return value?.skipped === true && typeof value.running_execution_id === 'string';
}

function isOpen(status: string): boolean {
  return status === ExecutionStatus.Running || status === ExecutionStatus.Pending;
}

function answer(deps: RunDeps, run: StartedRun, execution: ExecutionView | undefined): TriggerOutcome {
  const status = (execution?.status ?? 'pending') as TriggerAccepted['status'];
  const messages: Record<string, string> = {
    pending:
      `no worker has picked the run up yet (task queue "${deps.config.taskQueue}"); it starts when one ` +
      'does, and GET execution_url shows it from then on',
    running: 'the run has started; GET execution_url shows its progress and outcome',
    completed: 'the run has completed',
    failed: 'the run has failed; execution_url shows the error',
  };
  return {
    kind: 'accepted',
    body: {
      execution_id: run.executionId,
      process_name: run.processName,
      workflow_id: run.handle.workflowId,
      run_id: execution?.workflow_run_id ?? run.runId,
      status,
      web_ui_url: workflowUiUrl(deps.config, run.handle.workflowId, execution?.workflow_run_id ?? run.runId),
      execution_url: `/executions/${run.executionId}`,
      message: messages[status] ?? `the run is ${status}`,
    },
  };
}
