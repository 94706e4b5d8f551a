import {
  type ActivityOptions,
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, RetryState, SearchAttributeType } from '@temporalio/common';
import type { createExecutionActivities } from '../activities/executions';

type ExecutionActivities = ReturnType<typeof createExecutionActivities>;
import {
  RUN_MAY_START,
  type BeginExecutionInput,
  type BeginExecutionOutcome,
  type BeginScheduledOutcome,
  type PendingOutcome,
  type ProcessResult,
  type RunContext,
  type RunEvent,
  type RunTriggerName,
} from '../activities/run-types';
import type { RunPolicy } from '../config/policy';
import { answerExecutionOpened, type ExecutionOpenedAnswer, type ExecutionOpening } from './execution-opened';
import { requirementsMet } from './requirements';
import { workActivityOptions } from './work-activity-options';

/** What a schedule (or a manual start) passes to every process workflow. */
export interface ProcessRunInput {
  readonly processName: string;
  /** Defaults to 'schedule' when a schedule started the run, else 'manual'. */
  readonly trigger?: RunTriggerName;
  /** ISO instant; defaults to the schedule's nominal time, else the workflow's start time. */
  readonly logicalTime?: string;
  /** Chosen by the caller (the API) so it can answer with the id before the run starts. */
  readonly executionId?: string;
  /** Trigger 'rerun': the execution this run reruns, for its logical time. */
  readonly rerunOf?: string;
  /** Trigger 'event': the event that started the run, given to the work (RunContext.event). */
  readonly event?: RunEvent;
  /** Trigger 'chain': the upstream execution whose ending started this run. */
  readonly causedBy?: string;
}

/**
 * A process's work: its activities proxied with `options` (the run's policy: workActivityOptions),
 * called with the run's context. A work function that ignores `options` keeps its own.
 */
export type ProcessWork = (run: RunContext, options: ActivityOptions) => Promise<ProcessResult>;

export type ProcessRunOutcome =
  | ProcessResult
  | {
      readonly success: false;
      readonly skipped: true;
      /** The run in progress, or the one that covered the day; null when the day was missed. */
      readonly running_execution_id: string | null;
      readonly reason?: string;
    };

const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const SCHEDULED_BY_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

const EXECUTION_ROW_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
} as const;
const executionRowsByActivity = proxyActivities<ExecutionActivities>(EXECUTION_ROW_OPTIONS);
/**
 * Opening and closing the row are short database writes on the worker that runs the workflow: as
 * local activities they skip two task-queue round trips each (the trigger latency benchmark's gap).
 */
const executionRowsByLocalActivity = namingActivityInFailures(
  proxyLocalActivities<ExecutionActivities>(EXECUTION_ROW_OPTIONS),
);
/** Runs recorded before this patch opened and closed their rows with (remote) activities. */
export const LOCAL_RECORDS_PATCH = 'execution-rows-as-local-activities';
/** Scheduled and backfilled runs recorded before this patch neither claimed their day nor waited. */
export const DAY_CLAIM_PATCH = 'one-run-per-local-day';
/**
 * Runs recorded before this patch had fixed work-activity options, no bound on the run and no
 * automatic reruns; from it on, the run's policy (RunContext.policy, as the run started) sets all three.
 */
export const POLICY_PATCH = 'policy-per-run';
const UNCLAIMED_TRIGGERS: readonly RunTriggerName[] = ['manual', 'rerun', 'chain'];
/**
 * Scheduled and backfilled runs recorded before this patch never waited for their process's
 * `requires`; from it on, one whose RunContext names requirements waits for them (requirements.ts).
 */
export const CHAINS_PATCH = 'chains-and-requirements';
/** The type of the failure a run ends with when it passed its policy's timeouts.run_seconds. */
export const RUN_TIMED_OUT = 'RunTimedOut';
/**
 * Runs started by an event (input.event, trigger 'event'): they wait while another run of the process
 * is in progress rather than end skipped, and their work gets the event. Histories before it have no
 * event in their input, so they never reach this marker.
 */
export const EVENT_PATCH = 'event-runs';
/**
 * Runs from this patch on pass `queues`: one that a concurrency limit holds back (the process's
 * `concurrency`, MAX_CONCURRENT_RUNS) gets a pending row and waits here for a slot, woken by
 * RUN_MAY_START when a run ends. Runs recorded before it were only ever started or skipped.
 */
export const CONCURRENCY_PATCH = 'concurrency-limits';

const runMayStart = defineSignal(RUN_MAY_START);

/**
 * Opens the execution row, runs the process's work, and always closes the row: completed with
 * the result, or failed with the error (activity failures, timeouts and cancellation included).
 * The executionOpened update answers as soon as the row is open (or will not be).
 */
export async function runAndRecord(input: ProcessRunInput, work: ProcessWork): Promise<ProcessRunOutcome> {
  const openedAnswer = answerExecutionOpened();
  const slots = slotWakeups();
  const info = workflowInfo();
  const executionRows = patched(LOCAL_RECORDS_PATCH) ? executionRowsByLocalActivity : executionRowsByActivity;
  const scheduledAt = info.typedSearchAttributes.get(SCHEDULED_START_TIME);
  const scheduledBy = info.typedSearchAttributes.get(SCHEDULED_BY_ID);
  const begin: BeginExecutionInput = {
    executionId: input.executionId ?? uuid4(),
    processName: input.processName,
    trigger: input.trigger ?? (scheduledBy ? 'schedule' : 'manual'),
    logicalTime: input.logicalTime ?? (scheduledAt ?? info.startTime).toISOString(),
    workflowId: info.workflowId,
    workflowRunId: info.runId,
    ...(input.rerunOf === undefined ? {} : { rerunOf: input.rerunOf }),
    ...(input.event === undefined ? {} : { eventId: input.event.id }),
    ...(input.causedBy === undefined ? {} : { causedBy: input.causedBy }),
    ...(patched(CONCURRENCY_PATCH) ? { queues: true } : {}),
  };
  const waits: SlotWait = { executionRows, slots };
  if (input.event !== undefined && patched(EVENT_PATCH)) {
    return runForEvent(begin, input.event, waits, openedAnswer, work);
  }
  // Manual runs, reruns and chained runs are an operator's choice (or the policy's, for the day a run
  // failed; or another run's ending): no day's claim. Older histories have none of 'chain'.
  if (!UNCLAIMED_TRIGGERS.includes(begin.trigger) && patched(DAY_CLAIM_PATCH)) {
    return runForDays(begin, waits, openedAnswer, work);
  }
  const opening: BeginExecutionOutcome = await opened(openedAnswer, executionRows.beginExecution(begin));
  if (opening.kind === 'pending') {
    openedAnswer.opened(pendingOpening(opening));
    const run = await slotTaken(begin, opening, waits);
    if (!run) return closedWhileWaiting(opening);
    return settled(await runAndClose(run, begin, waits, work));
  }
  if (opening.kind === 'skipped') {
    log.warn('Skipped: another run of this process is in progress', {
      process: input.processName,
      runningExecutionId: opening.runningExecutionId,
    });
    openedAnswer.opened({ status: 'skipped', runningExecutionId: opening.runningExecutionId });
    await answersDelivered();
    return { success: false, skipped: true, running_execution_id: opening.runningExecutionId };
  }
  const { run } = opening;
  openedAnswer.opened({ status: 'started', executionId: run.executionId, runId: info.runId });
  return settled(await runAndClose(run, begin, waits, work));
}

/** What a run needs to wait for a slot: the row activities, and the count of RUN_MAY_START signals. */
interface SlotWait {
  readonly executionRows: ExecutionActivities;
  readonly slots: { readonly wakeups: () => number };
}

/** Counts RUN_MAY_START signals; a handler issues no command, so older histories replay unchanged. */
function slotWakeups(): SlotWait['slots'] {
  let wakeups = 0;
  setHandler(runMayStart, () => {
    wakeups++;
  });
  return { wakeups: () => wakeups };
}

/** A waiting run looks again when woken, or else after 1 s doubling to 30 s. */
const SLOT_WAIT_FIRST_MS = 1_000;
const SLOT_WAIT_MAX_MS = 30_000;

/**
 * Waits with a pending row until the limits let the run start: its context then, or undefined when
 * the row was closed meanwhile. Cancelled while waiting (by an operator, or a newer run under
 * overlap cancel_other), or failing to look, it closes its row as failed first.
 */
async function slotTaken(
  begin: BeginExecutionInput,
  pending: PendingOutcome,
  { executionRows, slots }: SlotWait,
): Promise<RunContext | undefined> {
  const waiting = { ...begin, executionId: pending.executionId, logicalTime: pending.logicalTime };
  log.info('Run waits for a slot', {
    process: begin.processName,
    executionId: pending.executionId,
    reason: pending.reason,
  });
  let waitMs = SLOT_WAIT_FIRST_MS;
  let seen = slots.wakeups();
  try {
    for (;;) {
      await condition(() => slots.wakeups() > seen, waitMs);
      seen = slots.wakeups();
      waitMs = Math.min(waitMs * 2, SLOT_WAIT_MAX_MS);
      const look = await executionRows.admitPendingRun(waiting);
      if (look.kind === 'started') return look.run;
      if (look.kind === 'gone') return undefined;
    }
  } catch (err) {
    // Never left pending: cancelled (by an operator, or a newer run), or unable to look (its process deleted).
    const why = isCancellation(err) ? 'cancelled while it waited for a slot' : describeFailure(err);
    await CancellationScope.nonCancellable(() => executionRows.failExecution(pending.executionId, why));
    throw err;
  }
}

function pendingOpening(pending: PendingOutcome): ExecutionOpening {
  return { status: 'pending', executionId: pending.executionId, runId: workflowInfo().runId, reason: pending.reason };
}

function closedWhileWaiting(pending: PendingOutcome): ProcessRunOutcome {
  const reason = `run ${pending.executionId} was closed while it waited for a slot`;
  return { success: false, skipped: true, running_execution_id: null, reason };
}

/** How long a scheduled run waits for another run of its process before looking again: 5 s doubling to 5 min. */
const BUSY_WAIT_FIRST_MS = 5_000;
const BUSY_WAIT_MAX_MS = 300_000;

/**
 * A scheduled or backfilled run: claims its local day (or ends skipped, naming the run that covered
 * it), waits while another run of the process is in progress, runs for today instead of a day that
 * has ended, and afterwards runs today's time if Temporal skipped it while this run was going.
 */
async function runForDays(
  first: BeginExecutionInput,
  waits: SlotWait,
  openedAnswer: ExecutionOpenedAnswer,
  work: ProcessWork,
): Promise<ProcessRunOutcome> {
  const { executionRows } = waits;
  let begin = first;
  let waitMs = BUSY_WAIT_FIRST_MS;
  let last: { readonly result: ProcessRunOutcome } | { readonly error: unknown } | undefined;
  for (;;) {
    let opening: BeginScheduledOutcome = await opened(openedAnswer, executionRows.beginScheduledRun(begin));
    if (opening.kind === 'pending') {
      openedAnswer.opened(pendingOpening(opening));
      const pending = opening;
      begin = { ...begin, logicalTime: pending.logicalTime };
      const run = await slotTaken(begin, pending, waits);
      if (!run) return last ? settled(last) : closedWhileWaiting(pending);
      opening = { kind: 'started', run };
    }
    if (opening.kind === 'busy' && opening.wait) {
      await sleep(waitMs);
      waitMs = Math.min(waitMs * 2, BUSY_WAIT_MAX_MS);
      continue;
    }
    if (opening.kind !== 'started') {
      const reason = opening.reason;
      const other =
        opening.kind === 'missed'
          ? undefined
          : opening.kind === 'covered'
            ? opening.coveringExecutionId
            : opening.runningExecutionId;
      if (other) openedAnswer.opened({ status: 'skipped', runningExecutionId: other });
      else openedAnswer.notOpened(reason);
      await answersDelivered();
      if (last) return settled(last);
      log.warn('Scheduled run not started', { process: begin.processName, logicalTime: begin.logicalTime, reason });
      return { success: false, skipped: true, running_execution_id: other ?? null, reason };
    }
    const { run } = opening;
    openedAnswer.opened({ status: 'started', executionId: run.executionId, runId: workflowInfo().runId });
    last = await runAndClose(run, begin, waits, work);
    if ('error' in last && isCancellation(last.error)) throw last.error;
    if (begin.trigger !== 'schedule') return settled(last);
    const next = await executionRows.accountSkippedTimes({
      processName: run.processName,
      logicalTime: run.logicalTime,
      executionId: run.executionId,
      workflowId: begin.workflowId,
    });
    if (next.runFor === undefined) return settled(last);
    begin = { ...begin, executionId: uuid4(), logicalTime: next.runFor };
    waitMs = BUSY_WAIT_FIRST_MS;
  }
}

/** An event run looks again sooner than a scheduled one: events come in bursts of short runs. */
const EVENT_WAIT_FIRST_MS = 1_000;
const EVENT_WAIT_MAX_MS = 30_000;

/**
 * An event's run: never dropped because another run of the process is in progress; it waits for that
 * one to end (as a scheduled run does), then runs with the event in its context.
 */
async function runForEvent(
  begin: BeginExecutionInput,
  event: RunEvent,
  waits: SlotWait,
  openedAnswer: ExecutionOpenedAnswer,
  work: ProcessWork,
): Promise<ProcessRunOutcome> {
  const { executionRows } = waits;
  let waitMs = EVENT_WAIT_FIRST_MS;
  for (;;) {
    const opening = await opened(openedAnswer, executionRows.beginExecution(begin));
    if (opening.kind === 'pending') {
      openedAnswer.opened(pendingOpening(opening));
      const run = await slotTaken(begin, opening, waits);
      if (!run) return closedWhileWaiting(opening);
      return settled(await runAndClose({ ...run, event }, begin, waits, work));
    }
    if (opening.kind === 'started') {
      openedAnswer.opened({ status: 'started', executionId: opening.run.executionId, runId: workflowInfo().runId });
      return settled(await runAndClose({ ...opening.run, event }, begin, waits, work));
    }
    log.info('Event run waits: another run of this process is in progress', {
      process: begin.processName,
      eventId: event.id,
      runningExecutionId: opening.runningExecutionId,
    });
    await sleep(waitMs);
    waitMs = Math.min(waitMs * 2, EVENT_WAIT_MAX_MS);
  }
}

type Settled = { readonly result: ProcessResult } | { readonly error: unknown };

/**
 * Runs the work and closes its row: completed with the result, or failed with the error (activity
 * failures, timeouts and cancellation included). Under POLICY_PATCH the run's policy applies, as the
 * run started: the work activity's retries and timeouts, the bound on the run (timeouts.run_seconds),
 * and automatic reruns of a failed run (rerun_failed), each a new row for the same logical time.
 */
async function runAndClose(
  run: RunContext,
  begin: BeginExecutionInput,
  waits: SlotWait,
  work: ProcessWork,
): Promise<Settled> {
  const { executionRows } = waits;
  const policy = patched(POLICY_PATCH) ? run.policy : undefined;
  const requirements = begin.trigger === 'schedule' || begin.trigger === 'backfill';
  let last = await workAndClose(run, policy, executionRows, work, requirements);
  if (!policy) return last;
  const { max_runs: maxRuns, delay_minutes: delayMinutes } = policy.rerun_failed;
  let failed = run;
  for (let rerun = 1; rerun <= maxRuns && 'error' in last && !isCancellation(last.error); rerun++) {
    if (delayMinutes > 0) await sleep(delayMinutes * 60_000);
    const rerunBegin: BeginExecutionInput = {
      ...begin,
      executionId: uuid4(),
      trigger: 'rerun',
      logicalTime: run.logicalTime,
      rerunOf: failed.executionId,
    };
    let opening = await executionRows.beginExecution(rerunBegin);
    if (opening.kind === 'pending') {
      const admitted = await slotTaken(rerunBegin, opening, waits);
      if (!admitted) return last;
      opening = { kind: 'started', run: admitted };
    }
    if (opening.kind === 'skipped') {
      log.warn('Automatic rerun not started: another run of this process is in progress', {
        process: run.processName,
        failedExecutionId: failed.executionId,
        runningExecutionId: opening.runningExecutionId,
      });
      return last;
    }
    log.info(`Automatic rerun ${rerun} of ${maxRuns}`, {
      process: run.processName,
      failedExecutionId: failed.executionId,
      executionId: opening.run.executionId,
    });
    // A running workflow keeps the policy it started with; a changed one applies from the next run.
    failed = { ...opening.run, policy, ...(run.event === undefined ? {} : { event: run.event }) };
    last = await workAndClose(failed, policy, executionRows, work);
  }
  return last;
}

async function workAndClose(
  run: RunContext,
  policy: RunPolicy | undefined,
  executionRows: ExecutionActivities,
  work: ProcessWork,
  requirements = false,
): Promise<Settled> {
  const options = workActivityOptions(policy);
  try {
    const waits = requirements && policy && run.requires?.length && patched(CHAINS_PATCH);
    const result = policy
      ? await withinRunTimeout(policy.timeouts.run_seconds, async () => {
          if (waits) await requirementsMet(run, policy.timeouts.run_seconds, executionRows);
          return work(run, options);
        })
      : await work(run, options);
    await executionRows.completeExecution(run.executionId, result);
    return { result };
  } catch (err) {
    await CancellationScope.nonCancellable(() =>
      isRunTimeout(err)
        ? executionRows.failExecution(run.executionId, err.message, 'timed_out')
        : executionRows.failExecution(run.executionId, describeFailure(err)),
    );
    return { error: err };
  }
}

/**
 * The work, cancelled once `seconds` have passed (its activity is asked to stop, and the run does
 * not wait for it): then a non-retryable RUN_TIMED_OUT failure, "timed out after N s". A
 * cancellation of the workflow itself stays a cancellation.
 */
async function withinRunTimeout<T>(seconds: number, fn: () => Promise<T>): Promise<T> {
  const timerScope = new CancellationScope();
  const workScope = new CancellationScope();
  let timedOut = false;
  const timer = timerScope
    .run(() => sleep(seconds * 1000))
    .then(
      () => {
        timedOut = true;
        workScope.cancel();
      },
      () => undefined, // cancelled: the work ended first, or the workflow was cancelled
    );
  try {
    return await workScope.run(fn);
  } catch (err) {
    if (timedOut) throw ApplicationFailure.nonRetryable(`timed out after ${seconds} s`, RUN_TIMED_OUT);
    throw err;
  } finally {
    timerScope.cancel();
    await timer;
  }
}

function isRunTimeout(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && err.type === RUN_TIMED_OUT;
}

/** The row's opening; when it fails, the executionOpened update is answered with why first. */
async function opened<T>(answer: ExecutionOpenedAnswer, opening: Promise<T>): Promise<T> {
  try {
    return await opening;
  } catch (err) {
    answer.notOpened(describeFailure(err));
    await answersDelivered();
    throw err;
  }
}

function settled(last: { readonly result: ProcessRunOutcome } | { readonly error: unknown }): ProcessRunOutcome {
  if ('error' in last) throw last.error;
  return last.result;
}

/**
 * A run that ends right after answering lets the update's handler finish first (Temporal's advice
 * for handlers), rather than rely on the order the SDK settles both in one activation; an unfinished
 * handler is abandoned and its caller told the workflow completed. Issues no command, so older
 * histories replay unchanged.
 */
function answersDelivered(): Promise<void> {
  return CancellationScope.nonCancellable(() => condition(allHandlersFinished));
}

/**
 * A local activity fails with its own error, where a remote one fails with an ActivityFailure naming
 * it: wrap the former like the latter, so the run's error (and the Web UI) says which one failed.
 */
function namingActivityInFailures<T extends object>(activities: T): T {
  return new Proxy(activities, {
    get(target, name) {
      const call = Reflect.get(target, name) as (...args: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        try {
          return await call(...args);
        } catch (err) {
          if (err instanceof ActivityFailure || isCancellation(err) || !(err instanceof Error)) throw err;
          const retryState =
            err instanceof ApplicationFailure && err.nonRetryable
              ? RetryState.NON_RETRYABLE_FAILURE
              : RetryState.MAXIMUM_ATTEMPTS_REACHED;
          throw new ActivityFailure('Local activity failed', String(name), undefined, retryState, undefined, err);
        }
      };
    },
  });
}

/** The innermost message, prefixed with where it came from, e.g. "rescheduleRemainingTasks: timed out". */
export function describeFailure(err: unknown): string {
  if (isCancellation(err)) return 'cancelled';
  const where = err instanceof ActivityFailure ? `${err.activityType}: ` : '';
  let root: unknown = err;
  while (root instanceof Error && root.cause instanceof Error) root = root.cause;
  const message = root instanceof Error ? root.message : String(root);
  const type = root instanceof ApplicationFailure && root.type ? ` [${root.type}]` : '';
  return `${where}${message}${type}`;
}
