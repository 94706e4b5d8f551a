import { Migration } from '@mikro-orm/migrations';
import { ensureOwnIndex } from './sql-helpers';

/**
 * What GET /metrics reads after its first scrape (api/services/metrics): the rows closed since its
 * floor, by closing time. Without these each scrape would read every execution, ledger and outbox row
 * (a sequential scan of a million executions); with them, only the few closed since. On Behflow's
 * executions table under a name of our own (behflow_processes_*), columns untouched; written as
 * pg_get_indexdef prints them, since ensureOwnIndex compares.
 */
export const METRICS_INDEXES = [
  { name: 'behflow_processes_executions_closed', table: 'automated_process_executions', columns: 'completed_at' },
  {
    name: 'behflow_processes_nominal_times_recorded',
    table: 'automated_process_nominal_times',
    columns: 'recorded_at',
  },
  {
    name: 'behflow_processes_notifications_ended',
    table: 'automated_process_notifications',
    columns: 'COALESCE(delivered_at, given_up_at)',
  },
] as const;

export class Migration20261202090000MetricsIndexes extends Migration {
  override async up(): Promise<void> {
    for (const index of METRICS_INDEXES) this.addSql(ensureOwnIndex(index.name, index.table, index.columns));
  }
}
