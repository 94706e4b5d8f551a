import { Migration } from '@mikro-orm/migrations';
import { ensureOwnIndex } from './sql-helpers';

/**
 * The console's indexes (issue 13 item 5, measured by `npm run bench -- --only=console` at 1M executions and
 * 10M audit rows; README, "Performance"), on Behflow's executions table and our audit under names of our own
 * (behflow_processes_*), columns untouched. Written as pg_get_indexdef prints them: ensureOwnIndex compares.
 */
export const CONSOLE_INDEXES = [
  /**
   * A process's history in the order it pages it (api/services/runs/history.ts: NULL started_at last as
   * -infinity, then execution_id), so a page is an index range from its cursor, however deep; the existing
   * (process_id, started_at DESC) keeps NULLs first and the rows of one instant unordered, so every page
   * sorted all the process's rows.
   */
  {
    name: 'behflow_processes_executions_history_page',
    table: 'automated_process_executions',
    columns: `process_id, COALESCE(started_at, '-infinity'::timestamp with time zone), execution_id`,
  },
  /**
   * The rows this service did not write (no workflow id: Behflow's own scheduler, or from before the
   * switch), which each process's view counts: without it the count read every execution of the process.
   */
  {
    name: 'behflow_processes_executions_not_ours',
    table: 'automated_process_executions',
    columns: 'process_id, started_at',
    where: 'workflow_id IS NULL',
  },
  /**
   * A run's audit in the order it moved the tasks (GET /executions/:id/tasks pages on id): the unique key
   * (execution_id, task_id, old_due_gregorian) finds a run's rows but not in that order, so a run of
   * 20,000 moves was read and sorted whole for every page. With each row's commit time, the execution
   * page's batches (distinct moved_at) are read from the index alone: 1–1.5 s → under 0.1 ms for the
   * first tasks page of a run of 200,000 moves among 1.2 million audit rows.
   */
  {
    name: 'behflow_processes_task_moves_by_execution',
    table: 'automated_process_task_moves',
    columns: 'execution_id, id, moved_at',
  },
] as const;

export class Migration20261202070000ConsoleIndexes extends Migration {
  override async up(): Promise<void> {
    for (const index of CONSOLE_INDEXES)
      this.addSql(ensureOwnIndex(index.name, index.table, index.columns, 'where' in index ? index.where : undefined));
  }
}
