import type { SharedConfig as Config } from '../../config';
import type { AutomatedProcessExecution } from '../../db/entities';
import type { ExecutionView } from '../schemas/execution';
import { workflowUiUrl } from './links';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export function toExecutionView(row: AutomatedProcessExecution, processName: string, config: Config): ExecutionView {
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
  };
}
