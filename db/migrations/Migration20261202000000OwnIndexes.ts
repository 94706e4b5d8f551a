import { Migration } from '@mikro-orm/migrations';
import { ensureOwnIndex } from './sql-helpers';

/** The index that pages a process's history, newest first (GET /processes/:name/executions). */
const HISTORY_INDEX = 'behflow_processes_executions_by_process_started';
const HISTORY_COLUMNS = 'process_id, started_at DESC';

/**
 * This service's index on Behflow's executions table under a name of its own (behflow_processes_*),
 * so no name Behflow uses can make it be skipped: the first migration's CREATE INDEX IF NOT EXISTS
 * idx_automated_process_executions_started_at did nothing where Behflow's migration has an index of
 * that name on started_at alone. Where the first migration did create it, it is renamed, not doubled.
 */
export class Migration20261202000000OwnIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(`DO $$ BEGIN
  IF to_regclass('idx_automated_process_executions_started_at') IS NOT NULL AND to_regclass('${HISTORY_INDEX}') IS NULL
     AND pg_get_indexdef(to_regclass('idx_automated_process_executions_started_at'))
         LIKE '% ON %automated_process_executions USING btree (${HISTORY_COLUMNS})' THEN
    ALTER INDEX idx_automated_process_executions_started_at RENAME TO ${HISTORY_INDEX};
  END IF;
END $$;`);
    this.addSql(ensureOwnIndex(HISTORY_INDEX, 'automated_process_executions', HISTORY_COLUMNS));
  }
}
