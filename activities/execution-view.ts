import type { SharedConfig } from '../config';
import type { AutomatedProcessExecution, ExecutionStatus } from '../db/entities';
import { workflowUiUrl } from '../platform/links';

/** An execution as the API shows it (api/schemas/execution.ts), built here so notifications carry the same. */
export interface ExecutionViewData {
  readonly execution_id: string;
  readonly process_name: string;
  readonly status: `${ExecutionStatus}`;
  readonly trigger: string | null;
  readonly logical_time: string | null;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly duration_ms: number | null;
  readonly result: Record<string, unknown> | null;
  readonly error_message: string | null;
  readonly workflow_id: string | null;
  readonly workflow_run_id: string | null;
  readonly web_ui_url: string | null;
  /** The execution this one reran (trigger 'rerun'), or null. */
  readonly rerun_of: string | null;
  /** The event that started this one (trigger 'event'), or null. */
  readonly event_id: string | null;
  /** The upstream execution whose ending started this one (trigger 'chain'), or null. */
  readonly caused_by: string | null;
  /** A run held back by a concurrency limit: when it began to wait (null: it never did). */
  readonly queued_at: string | null;
  /** While it waits (status pending): why, e.g. the runs holding the slots; else null. */
  readonly waiting_reason: string | null;
}

export type LinkSettings = Pick<SharedConfig, 'temporalUiUrl' | 'temporalNamespace'>;

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export function executionView(
  row: AutomatedProcessExecution,
  processName: string,
  config: LinkSettings,
): ExecutionViewData {
  const started = row.startedAt?.getTime();
  const completed = row.completedAt?.getTime();
  return {
    execution_id: row.executionId,
    process_name: processName,
    status: row.status,
    trigger: row.trigger ?? null,
    logical_time: iso(row.logicalTime),
    started_at: iso(row.startedAt),
    completed_at: iso(row.completedAt),
    duration_ms: started !== undefined && completed !== undefined ? completed - started : null,
    result: row.result ?? null,
    error_message: row.errorMessage ?? null,
    workflow_id: row.workflowId ?? null,
    workflow_run_id: row.workflowRunId ?? null,
    web_ui_url: row.workflowId ? workflowUiUrl(config, row.workflowId, row.workflowRunId) : null,
    rerun_of: row.rerunOf ?? null,
    event_id: row.eventId ?? null,
    caused_by: row.causedBy ?? null,
    queued_at: iso(row.queuedAt),
    waiting_reason: row.waitingReason ?? null,
  };
}
