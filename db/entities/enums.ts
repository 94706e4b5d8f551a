/** Behflow's PostgreSQL enum types, mirrored; the database names are in each entity's `nativeEnumName`. */
export enum TaskStatus {
  Pending = 'pending',
  InProgress = 'in_progress',
  Completed = 'completed',
  Cancelled = 'cancelled',
}

export enum TaskPriority {
  Low = 'low',
  Medium = 'medium',
  High = 'high',
}

export enum TriggerType {
  Manual = 'manual',
  TimeBased = 'time_based',
  EventBased = 'event_based',
}

export enum ExecutionStatus {
  Pending = 'pending',
  Running = 'running',
  Completed = 'completed',
  Failed = 'failed',
  Disabled = 'disabled',
}

/** What started a run; ours, stored beside Behflow's columns. */
export enum RunTrigger {
  Schedule = 'schedule',
  Manual = 'manual',
  Backfill = 'backfill',
  /** A new run of a failed (or any) execution, for its logical time: rerun_of names it. */
  Rerun = 'rerun',
  /** Started by an event (POST /events or the automated_process_events outbox): event_id names it. */
  Event = 'event',
  /** Started by the end of another process's run (its `after`): caused_by names that run. */
  Chain = 'chain',
}
