import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing } from './sql-helpers';

/**
 * Concurrency limits (issue 12, item 5): a process's limit, key and overlap beside its registration;
 * on each of our execution rows the key's value and the slot it holds while running, and for a run
 * waiting for a slot (status pending, as Behflow's enum has it) since when and why. The index that
 * allowed one running row per process becomes one running row per (process, key value, slot): with a
 * limit of 1 and no key (the default) that is the same rule. All four columns are null on Behflow's
 * rows and on ours from before: null reads as '' and slot 0.
 */
export class Migration20261202060000ConcurrencyLimits extends Migration {
  override async up(): Promise<void> {
    this.addSql(addColumnIfMissing('automated_process_registrations', 'concurrency', 'jsonb'));
    this.addSql(addColumnIfMissing('automated_process_registrations', 'overlap', 'text'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'concurrency_key', 'text'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'concurrency_slot', 'smallint'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'queued_at', 'timestamptz'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'waiting_reason', 'text'));
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS behflow_processes_executions_running_slot
      ON automated_process_executions (process_id, coalesce(concurrency_key, ''), coalesce(concurrency_slot, 0))
      WHERE status = 'running' AND workflow_id IS NOT NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS behflow_processes_executions_waiting
      ON automated_process_executions (queued_at) WHERE status = 'pending' AND workflow_id IS NOT NULL;`);
    // Ours (the first migration made it), and stricter than the slot index above: it would refuse a second slot.
    this.addSql(`DROP INDEX IF EXISTS automated_process_executions_one_running;`);
  }
}
