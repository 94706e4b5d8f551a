import type { EntityManager } from '@mikro-orm/postgresql';
import type { SharedConfig as Config } from '../../../config';
import { AutomatedProcessExecution } from '../../../db/entities';
import type { ProcessDefinition } from '../../../processes/definition';
import { findLiveProcess } from '../../../processes/catalog';
import { notFound } from '../../errors';
import type { ExecutionView } from '../../schemas/execution';
import { toExecutionView } from '../../views/execution-view';

/**
 * The name an execution is shown under: the process's name, or for a deleted process the name it had
 * (its row was renamed to free the name; automated_process_registrations keeps the old one).
 */
const PROCESS_NAME_SQL = `CASE WHEN r.deleted_at IS NOT NULL THEN r.display_name ELSE p.name END`;

type ExecutionRow = Record<string, unknown> & { process_name: string };

/** One execution with the name of its process, deleted or not; undefined when there is none. */
export async function findExecutionView(
  em: EntityManager,
  config: Config,
  executionId: string,
): Promise<ExecutionView | undefined> {
  const [row] = await em.getConnection().execute<ExecutionRow[]>(
    `SELECT e.*, ${PROCESS_NAME_SQL} AS process_name
       FROM automated_process_executions e
       JOIN automated_processes p ON p.process_id = e.process_id
       LEFT JOIN automated_process_registrations r ON r.process_id = e.process_id
      WHERE e.execution_id = ?`,
    [executionId],
  );
  if (!row) return undefined;
  const caused = await em.getConnection().execute<{ process: string; execution_id: string; started: boolean }[]>(
    `SELECT ${PROCESS_NAME_SQL} AS process, c.execution_id, c.started_at IS NOT NULL AS started
       FROM automated_process_chain_starts c
       JOIN automated_processes p ON p.process_id = c.downstream_process_id
       LEFT JOIN automated_process_registrations r ON r.process_id = c.downstream_process_id
      WHERE c.upstream_execution_id = ? ORDER BY c.created_at, 1`,
    [executionId],
  );
  return { ...rowToView(em, config, row, row.process_name), caused };
}

export async function getExecutionView(em: EntityManager, config: Config, executionId: string): Promise<ExecutionView> {
  const view = await findExecutionView(em, config, executionId);
  if (!view) throw notFound('execution', executionId);
  return view;
}

/** A raw automated_process_executions row (snake_case columns) as the API shows it. */
export function rowToView(
  em: EntityManager,
  config: Config,
  row: Record<string, unknown>,
  processName: string,
): ExecutionView {
  return toExecutionView(em.map(AutomatedProcessExecution, row), processName, config);
}

/** The processes whose history GET /processes/:name/executions shows. */
export interface HistorySubject {
  readonly name: string;
  readonly processIds: readonly string[];
}

/**
 * The live process of that name; failing that, the deleted processes that had it (several, when a
 * name was created and deleted more than once), so a deleted process's history stays readable until
 * the name is taken again. 404 when the name was never used.
 */
export async function findHistorySubject(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  name: string,
): Promise<HistorySubject> {
  const live = await findLiveProcess(em, registry, name);
  if (live) return { name, processIds: [live.process.processId] };
  const deleted = await em
    .getConnection()
    .execute<{ process_id: string }[]>(
      `SELECT process_id FROM automated_process_registrations WHERE display_name = ? AND deleted_at IS NOT NULL`,
      [name],
    );
  if (deleted.length === 0) throw notFound('process', name);
  return { name, processIds: deleted.map((r) => r.process_id) };
}
