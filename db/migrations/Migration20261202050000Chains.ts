import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing } from './sql-helpers';

/**
 * Chains and requirements (issue 12, item 4): what a process runs after and requires, beside its
 * registration (never in Behflow's process_config); a chained run's link to the run that caused it
 * (no foreign key, as rerun_of); and the outbox of chained runs to start, written in the transaction
 * that closes the upstream's row, so a worker dying before the start leaves it for the worker's pass.
 */
export class Migration20261202050000Chains extends Migration {
  override async up(): Promise<void> {
    this.addSql(addColumnIfMissing('automated_process_registrations', 'chain_after', 'jsonb'));
    this.addSql(addColumnIfMissing('automated_process_registrations', 'chain_requires', 'jsonb'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'caused_by', 'uuid'));
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_chain_starts (
      upstream_execution_id uuid NOT NULL,
      downstream_process_id uuid NOT NULL REFERENCES automated_processes (process_id) ON DELETE CASCADE,
      execution_id uuid NOT NULL,
      workflow_id text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      PRIMARY KEY (upstream_execution_id, downstream_process_id)
    );`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_chain_starts_pending
      ON automated_process_chain_starts (created_at) WHERE started_at IS NULL;`);
  }
}
