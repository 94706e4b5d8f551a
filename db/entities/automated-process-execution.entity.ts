import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { ExecutionStatus, RunTrigger } from './enums';

/**
 * Behflow's `automated_process_executions` table, plus our columns: what triggered the run,
 * the logical time it ran for, the Temporal workflow that ran it, and the execution it reruns.
 */
export class AutomatedProcessExecution {
  [OptionalProps]?: 'status';
  executionId!: string;
  processId!: string;
  status: ExecutionStatus = ExecutionStatus.Pending;
  startedAt?: Date | null;
  completedAt?: Date | null;
  result?: Record<string, unknown> | null;
  errorMessage?: string | null;
  trigger?: RunTrigger | null;
  logicalTime?: Date | null;
  workflowId?: string | null;
  workflowRunId?: string | null;
  /** The execution this run reruns (same process and logical time). */
  rerunOf?: string | null;
  /** Trigger 'event': the event (automated_process_events.event_id) that started the run. */
  eventId?: string | null;
  /** A chained run (trigger 'chain'): the upstream execution whose ending started it. */
  causedBy?: string | null;
  /** The value of the process's concurrency key this run holds a slot under ('' or null: none). */
  concurrencyKey?: string | null;
  /** Which of the process's `concurrency.limit` slots the run holds while running (null: 0). */
  concurrencySlot?: number | null;
  /** A run that waited for a slot (status pending until it got one): since when, and why while it waits. */
  queuedAt?: Date | null;
  waitingReason?: string | null;
}

export const AutomatedProcessExecutionSchema = new EntitySchema<AutomatedProcessExecution>({
  class: AutomatedProcessExecution,
  tableName: 'automated_process_executions',
  properties: {
    executionId: { type: 'uuid', primary: true },
    // A plain column rather than a relation: history outlives the process row's ORM lifecycle.
    processId: { type: 'uuid' },
    status: {
      enum: true,
      items: () => ExecutionStatus,
      nativeEnumName: 'process_status_enum',
      default: ExecutionStatus.Pending,
    },
    startedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    completedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    result: { type: 'json', columnType: 'jsonb', nullable: true },
    errorMessage: { type: 'text', nullable: true },
    trigger: { type: 'string', length: 32, nullable: true },
    logicalTime: { type: 'Date', columnType: 'timestamptz', nullable: true },
    workflowId: { type: 'string', length: 255, nullable: true },
    workflowRunId: { type: 'string', length: 255, nullable: true },
    rerunOf: { type: 'uuid', nullable: true },
    eventId: { type: 'text', nullable: true },
    causedBy: { type: 'uuid', nullable: true },
    concurrencyKey: { type: 'text', nullable: true },
    concurrencySlot: { type: 'smallint', nullable: true },
    queuedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    waitingReason: { type: 'text', nullable: true },
  },
});
