import { STATUS_CODES } from 'node:http';
import type { Client } from '@temporalio/client';
import type { SharedConfig as Config } from '../../../config';
import { storedConcurrency, storedOverlap, type Overlap, type ProcessConcurrency } from '../../../config/concurrency';
import { ExecutionStatus } from '../../../db/entities';
import type { Orm } from '../../../db/orm';
import { findLiveProcess, type CatalogEntry } from '../../../processes/catalog';
import type { ProcessDefinition } from '../../../processes/definition';
import { manualRunIds, type ManualRunIds } from '../../../temporal/ids';
import { awaitRunEnd, startManualRun, workflowIsRunning, type ManualRunStart } from '../../../temporal/runs';
import { ApiError, notFound } from '../../errors';
import type { ExecutionView } from '../../schemas/execution';
import type { TriggerAccepted } from '../../schemas/runs';
import { workflowUiUrl } from '../../views/links';
import { findExecutionView, rowToView } from './executions';
import { answerOnce } from './idempotency';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** How long a trigger waits for the run's execution row before answering 202 "pending". */
export const OPEN_WAIT_MS = 10 * SECOND;
/** How long ?wait=true waits for the outcome before answering 202 with the run as it is. */
export const OUTCOME_WAIT_MS = 5 * MINUTE;
/**
 * How long a replayed Idempotency-Key waits for the answer of a request with that key still in
 * flight before answering 409: long enough for a request without wait=true, which answers within
 * OPEN_WAIT_MS.
 */
export const REPLAY_WAIT_MS = OPEN_WAIT_MS + 2 * SECOND;

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
  readonly replayWaitMs?: number;
}

/** 202: the run is on its way (or was already); 200: it finished (wait=true), with its execution. */
export type TriggerOutcome =
  | { readonly kind: 'accepted'; readonly body: TriggerAccepted }
  | { readonly kind: 'finished'; readonly execution: ExecutionView };

/** What the route sends; with an Idempotency-Key, also what a replay of the request sends again. */
export type TriggerAnswer =
  | { readonly statusCode: 200; readonly body: ExecutionView }
  | { readonly statusCode: 202; readonly body: TriggerAccepted }
  /** Only with an Idempotency-Key (without one, the error is thrown): the error handler's body. */
  | { readonly statusCode: 409; readonly body: Record<string, unknown> };

/** The run a request is about, as the answer names it. */
interface RunRef {
  readonly processName: string;
  readonly executionId: string;
  readonly workflowId: string;
  readonly runId: string;
}

/**
 * POST /processes/:name/trigger. Starts the process's workflow now, as Temporal would from its
 * schedule but with trigger "manual", and answers once the run has opened its execution row (or
 * finished, with wait=true). A run in progress, whatever started it, means 409 and nothing started.
 * With an Idempotency-Key, the key is stored before anything else happens and the answer with it,
 * 409s included, and a replay answers the same (answerOnce); the run's ids still derive from the key,
 * so a request taking over an abandoned one joins its run.
 */
export async function triggerRun(deps: RunDeps, request: TriggerRequest): Promise<TriggerAnswer> {
  const entry = await findLiveProcess(deps.orm.em.fork(), deps.registry, request.name);
  if (!entry) throw notFound('process', request.name);
  const key = request.idempotencyKey;
  const run: RunSpec = { ids: manualRunIds(entry.process, deps.config, key) };
  if (key === undefined) return toAnswer(await runNow(deps, runnable(deps, entry), request, run));
  const scope = {
    processId: entry.process.processId,
    key,
    waitMs: request.replayWaitMs ?? REPLAY_WAIT_MS,
    signal: request.signal,
  };
  return answerOnce<TriggerAnswer>(deps.orm.em.fork(), scope, async () => {
    try {
      return toAnswer(await runNow(deps, runnable(deps, entry), request, run));
    } catch (err) {
      if (err instanceof ApiError && err.statusCode === 409) return { statusCode: 409, body: errorBody(err) };
      throw err;
    }
  });
}

function toAnswer(outcome: TriggerOutcome): TriggerAnswer {
  return outcome.kind === 'finished'
    ? { statusCode: 200, body: outcome.execution }
    : { statusCode: 202, body: outcome.body };
}

/** The body the API's error handler gives an ApiError, so a stored 409 reads like any other. */
function errorBody(err: ApiError): Record<string, unknown> {
  const error = STATUS_CODES[err.statusCode] ?? 'Error';
  return { statusCode: err.statusCode, code: err.code, error, message: err.message, ...err.details };
}

/** The run to start: its ids, and for a rerun the execution it reruns and that one's logical time. */
export interface RunSpec {
  readonly ids: ManualRunIds;
  readonly logicalTime?: string;
  readonly rerunOf?: string;
}

/**
 * Starts the run (update-with-start) unless another of the process is in progress (409), and answers
 * once it has opened its row, or finished (wait=true). Manual triggers and reruns share it.
 */
export async function runNow(
  deps: RunDeps,
  { process, definition, registration }: CatalogEntry & { definition: ProcessDefinition },
  request: TriggerRequest,
  spec: RunSpec,
): Promise<TriggerOutcome> {
  const outcomeWait = deadline(request.outcomeWaitMs ?? OUTCOME_WAIT_MS, request.signal);
  try {
    const { ids } = spec;

    if (request.idempotencyKey !== undefined) {
      // A retried request whose run opened its row: the same execution, whatever happened since.
      const replayed = await findExecutionView(deps.orm.em.fork(), deps.config, ids.executionId);
      if (replayed?.workflow_id) {
        const ref = {
          processName: process.name,
          executionId: ids.executionId,
          workflowId: replayed.workflow_id,
          runId: replayed.workflow_run_id ?? '',
        };
        if (!request.wait) return answer(deps, ref, replayed.status, replayed.waiting_reason ?? undefined);
        if (!isOpen(replayed.status)) return { kind: 'finished', execution: replayed };
        return await awaitOutcome(deps, ref, outcomeWait.signal);
      }
    }

    await refuseWhileRunning(deps, process.processId, process.name, {
      concurrency: storedConcurrency(registration?.concurrency),
      overlap: storedOverlap(registration?.overlap),
    });

    // wait=true gives a worker the whole outcome wait to pick the run up.
    const openWait = request.wait ? undefined : deadline(request.openWaitMs ?? OPEN_WAIT_MS, request.signal);
    let start: ManualRunStart;
    try {
      const run = { processName: process.name, workflowType: definition.workflow.type, ids };
      start = await startManualRun(
        deps.client,
        {
          ...run,
          taskQueue: deps.config.taskQueue,
          ...(spec.logicalTime === undefined ? {} : { logicalTime: spec.logicalTime }),
          ...(spec.rerunOf === undefined ? {} : { rerunOf: spec.rerunOf }),
        },
        (openWait ?? outcomeWait).signal,
      );
    } finally {
      openWait?.clear();
    }
    const run = { processName: process.name, executionId: ids.executionId, workflowId: ids.workflowId };
    return await started(deps, run, start, request.wait ? outcomeWait.signal : undefined);
  } finally {
    outcomeWait.clear();
  }
}

/** The answer to a run this request started (or joined): 202, 200 (with `outcomeWait`) or 409. */
async function started(
  deps: RunDeps,
  run: Omit<RunRef, 'runId'>,
  start: ManualRunStart,
  outcomeWait: AbortSignal | undefined,
): Promise<TriggerOutcome> {
  switch (start.kind) {
    case 'pending': {
      // The wait was given up (deadline, or the server stopping): the row, if the run opened it meanwhile.
      const execution = await findExecutionView(deps.orm.em.fork(), deps.config, run.executionId);
      const waiting = execution?.waiting_reason ?? undefined;
      return answer(deps, { ...run, runId: start.runId }, execution?.status ?? 'pending', waiting);
    }
    case 'waiting': {
      // Held back by a concurrency limit: 202 with its pending row and why; wait=true waits on for the outcome.
      const ref = { ...run, runId: start.runId };
      return outcomeWait
        ? awaitOutcome(deps, ref, outcomeWait)
        : answer(deps, ref, ExecutionStatus.Pending, start.reason);
    }
    case 'opened': {
      const ref = { ...run, runId: start.runId };
      return outcomeWait ? awaitOutcome(deps, ref, outcomeWait) : answer(deps, ref, ExecutionStatus.Running);
    }
    case 'skipped':
      throw runInProgress(
        await findExecutionView(deps.orm.em.fork(), deps.config, start.runningExecutionId),
        ' (this request started a run, which stopped at once without doing anything)',
      );
    case 'not-started': {
      // An earlier request's run, ended since, may have opened its row after all (and failed later).
      const execution = await findExecutionView(deps.orm.em.fork(), deps.config, run.executionId);
      if (!execution) {
        throw new ApiError(
          409,
          'RUN_NOT_STARTED',
          `the run of process "${run.processName}" ended before it began: ${start.reason}`,
        );
      }
      if (outcomeWait) return { kind: 'finished', execution };
      return answer(deps, { ...run, runId: execution.workflow_run_id ?? '' }, execution.status);
    }
  }
}

export function runnable(deps: RunDeps, entry: CatalogEntry): CatalogEntry & { definition: ProcessDefinition } {
  const { definition } = entry;
  if (!definition) {
    throw new ApiError(
      409,
      'NO_IMPLEMENTATION',
      `process "${entry.process.name}" is implemented by "${entry.implementation}", which is not registered in this deployment, ` +
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
 * 409 with the execution in progress when the process's limit is taken by runs whose workflows still
 * run and its overlap policy is skip (a manual run has no event, so no key value: it counts the runs
 * without one). Under buffer_one and cancel_other the run is started, and waits or makes room.
 */
async function refuseWhileRunning(
  deps: RunDeps,
  processId: string,
  processName: string,
  { concurrency, overlap }: { concurrency: ProcessConcurrency; overlap: Overlap },
): Promise<void> {
  if (overlap !== 'skip') return;
  const em = deps.orm.em.fork();
  const running = await em.getConnection().execute<RunningRow[]>(
    `SELECT * FROM automated_process_executions
      WHERE process_id = ? AND status = 'running' AND workflow_id IS NOT NULL AND coalesce(concurrency_key, '') = ''
      ORDER BY started_at`,
    [processId],
  );
  if (running.length < concurrency.limit) return;
  for (const row of running) {
    if (!(await workflowIsRunning(deps.client, row.workflow_id, row.workflow_run_id))) return;
  }
  throw runInProgress(rowToView(em, deps.config, running[0]!, processName));
}

function runInProgress(execution: ExecutionView | undefined, detail = ''): ApiError {
  const which = execution ? `execution ${execution.execution_id}` : 'another run';
  return new ApiError(
    409,
    'RUN_IN_PROGRESS',
    `${which} of this process is in progress${detail}; its concurrency limit is reached and its overlap policy is ` +
      'skip, so try again when it has finished (or set "overlap": "buffer_one" to have a run wait)',
    execution ? { execution } : {},
  );
}

/** wait=true: the finished execution (200), or the run as it is when the wait runs out (202). */
async function awaitOutcome(deps: RunDeps, ref: RunRef, outcomeWait: AbortSignal): Promise<TriggerOutcome> {
  const ended = await awaitRunEnd(deps.client, ref, outcomeWait);
  const execution = await findExecutionView(deps.orm.em.fork(), deps.config, ref.executionId);
  if (ended && execution && !isOpen(execution.status)) return { kind: 'finished', execution };
  return answer(deps, ref, execution?.status ?? 'pending');
}

/** Aborts after `ms`, or when `stop` does; clear() when done with it. */
function deadline(ms: number, stop: AbortSignal | undefined): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const onStop = () => controller.abort();
  stop?.addEventListener('abort', onStop, { once: true });
  if (stop?.aborted) controller.abort();
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      stop?.removeEventListener('abort', onStop);
    },
  };
}

function isOpen(status: string): boolean {
  return status === ExecutionStatus.Running || status === ExecutionStatus.Pending;
}

const MESSAGES: Record<string, (config: Config) => string> = {
  pending: (config) =>
    `no worker has picked the run up yet (task queue "${config.taskQueue}"); it starts when one ` +
    'does, and GET execution_url shows it from then on',
  running: () => 'the run has started; GET execution_url shows its progress and outcome',
  completed: () => 'the run has completed',
  failed: () => 'the run has failed; execution_url shows the error',
};

function answer(deps: RunDeps, ref: RunRef, status: string, waitingReason?: string): TriggerOutcome {
  return {
    kind: 'accepted',
    body: {
      execution_id: ref.executionId,
      process_name: ref.processName,
      workflow_id: ref.workflowId,
      run_id: ref.runId,
      status: status as TriggerAccepted['status'],
      web_ui_url: workflowUiUrl(deps.config, ref.workflowId, ref.runId),
      execution_url: `/executions/${ref.executionId}`,
      message:
        waitingReason === undefined
          ? (MESSAGES[status]?.(deps.config) ?? `the run is ${status}`)
          : `the run waits for a slot: ${waitingReason}`,
    },
  };
}
