import type { RunPolicy } from '../config/policy';

/**
 * Shapes that cross the workflow/activity boundary. Kept free of Node imports because the
 * workflow bundle includes them.
 */
/**
 * 'rerun': a new run of an execution, for its logical time (by the API, or automatically after a failure).
 * 'event': started by an event (POST /events or the outbox table).
 * 'chain': started by the end of an upstream process's run (its `after`), for the upstream's logical time.
 */
export type RunTriggerName = 'schedule' | 'manual' | 'backfill' | 'rerun' | 'event' | 'chain';

/** The event a run with trigger 'event' was started by (POST /events or the outbox table). */
export interface RunEvent {
  readonly id: string;
  readonly name: string;
  readonly data: Record<string, unknown>;
}

export interface BeginExecutionInput {
  readonly executionId: string;
  readonly processName: string;
  readonly trigger: RunTriggerName;
  /** ISO instant the run is for: the schedule's nominal time, or the trigger time. */
  readonly logicalTime: string;
  readonly workflowId: string;
  readonly workflowRunId: string;
  /** A rerun: the execution it reruns (automated_process_executions.rerun_of). */
  readonly rerunOf?: string;
  /** Trigger 'event': the event's id (automated_process_executions.event_id). */
  readonly eventId?: string;
  /** A chained run: the upstream execution whose ending started it (automated_process_executions.caused_by). */
  readonly causedBy?: string;
  /**
   * The workflow can wait for a slot (from its concurrency patch on): a run the limits hold back gets
   * a pending row and the 'pending' outcome. Without it the limits only start or skip, as before them.
   */
  readonly queues?: boolean;
}

/** The signal a waiting run's workflow gets when a slot may have freed (a run of any process ended). */
export const RUN_MAY_START = 'runMayStart';

/** Held back by a concurrency limit: the run's row is pending, and it waits (admitPendingRun) for a slot. */
export interface PendingOutcome {
  readonly kind: 'pending';
  readonly executionId: string;
  /** The logical time the pending row is for (a late scheduled run's may be today's instead of its own). */
  readonly logicalTime: string;
  readonly reason: string;
}

/** A pending run's look at the limits: it starts, waits on, or its row was closed meanwhile (cancelled). */
export type AdmitPendingOutcome =
  | { readonly kind: 'started'; readonly run: RunContext }
  | { readonly kind: 'pending'; readonly reason: string }
  | { readonly kind: 'gone'; readonly status: string };

/** Everything a process's activities need, fixed once per run so retries agree on "today". */
export interface RunContext {
  readonly executionId: string;
  readonly processId: string;
  readonly processName: string;
  readonly timezone: string;
  readonly logicalTime: string;
  /** The run's calendar day in the process zone, YYYY-MM-DD. */
  readonly day: string;
  readonly processConfig: Record<string, unknown>;
  /** The process's retries, timeouts and reruns as the run started; absent in runs recorded before policies. */
  readonly policy?: RunPolicy;
  /** Trigger 'event': the event that started the run; absent for every other run. */
  readonly event?: RunEvent;
  /** `requires`: processes that must have completed for `day` before a scheduled run's work; absent: none. */
  readonly requires?: readonly string[];
}

export type BeginExecutionOutcome =
  | { readonly kind: 'started'; readonly run: RunContext }
  | { readonly kind: 'skipped'; readonly runningExecutionId: string; readonly runningWorkflowId: string | null }
  | PendingOutcome;

/** The seed's result shape; each process adds its own counters. */
export interface ProcessResult {
  readonly success: true;
  readonly execution_time: string;
  readonly [key: string]: unknown;
}

/** How a scheduled or backfilled run's start went (beginScheduledRun). */
export type BeginScheduledOutcome =
  | { readonly kind: 'started'; readonly run: RunContext }
  | PendingOutcome
  /** Another run holds the day's claim: this one ends skipped, naming it. */
  | { readonly kind: 'covered'; readonly coveringExecutionId: string; readonly reason: string }
  /** Another run of the process is in progress; `wait`: try again once it has finished. */
  | { readonly kind: 'busy'; readonly runningExecutionId: string; readonly wait: boolean; readonly reason: string }
  /** Its day had ended and today's time has not come: nothing to run now. */
  | { readonly kind: 'missed'; readonly reason: string };

export interface SkippedTimesInput {
  readonly processName: string;
  /** The logical time of the run that just ended. */
  readonly logicalTime: string;
  readonly executionId: string;
  readonly workflowId: string;
}

export interface SkippedTimesOutcome {
  /** A time of today that passed during the run, unclaimed: run it now. */
  readonly runFor?: string;
}
