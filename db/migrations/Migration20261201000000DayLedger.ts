import { Migration } from '@mikro-orm/migrations';

/**
 * What became of each nominal time of a scheduled process: ran, skipped (and why) or missed (and
 * why). A 'ran' row is the day's claim: one scheduled or backfilled run per process and local date.
 * Execution ids are kept without a foreign key, so pruning Behflow's executions is never blocked;
 * deleting a process takes its ledger with it, as Behflow's own cascade does for executions.
 */
export class Migration20261201000000DayLedger extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_nominal_times (
      id bigserial PRIMARY KEY,
      process_id uuid NOT NULL REFERENCES automated_processes (process_id) ON DELETE CASCADE,
      nominal_time timestamptz NOT NULL,
      local_date date NOT NULL,
      trigger varchar(32) NOT NULL,
      outcome varchar(16) NOT NULL CHECK (outcome IN ('ran', 'skipped', 'missed')),
      execution_id uuid,
      reason text,
      workflow_id varchar(255) NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT automated_process_nominal_times_once UNIQUE (workflow_id, nominal_time, outcome)
    );`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS automated_process_day_claims
      ON automated_process_nominal_times (process_id, local_date) WHERE outcome = 'ran';`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_nominal_times_process
      ON automated_process_nominal_times (process_id, nominal_time DESC, id DESC);`);
  }
}
