import { Migration } from '@mikro-orm/migrations';

/**
 * Audit of the archive process: one row per task a run tagged, so its count survives a retried or
 * resumed activity (as the moves audit does for the reschedule process).
 */
export class Migration20261126020000ArchiveAudit extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_task_archives (
      execution_id uuid NOT NULL REFERENCES automated_process_executions (execution_id) ON DELETE RESTRICT,
      task_id uuid NOT NULL,
      archived_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (execution_id, task_id)
    );`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_task_archives_task_id
      ON automated_process_task_archives (task_id);`);
  }
}
