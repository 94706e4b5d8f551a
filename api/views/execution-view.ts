import type { SharedConfig as Config } from '../../config';
import type { AutomatedProcessExecution } from '../../db/entities';
import { executionView } from '../../activities/execution-view';
import type { ExecutionView } from '../schemas/execution';

export function toExecutionView(row: AutomatedProcessExecution, processName: string, config: Config): ExecutionView {
  return executionView(row, processName, config);
}
