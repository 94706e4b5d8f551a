import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing, createBehflowTableIfMissing } from './sql-helpers';

/**
 * Behflow's own tables, created only where missing (an empty database), as Behflow's SQL migrations
 * make them, with their enum types and indexes; where they exist (built by those migrations or by
 * create_all) they are adopted as they are: no type, default, index or constraint of theirs is touched.
 * Then what this service adds: run metadata on executions, and its own tables.
 */
export class Migration20261126000000BehflowSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      createBehflowTableIfMissing(
        'tasks',
        [
          ['priority_enum', ['low', 'medium', 'high']],
          ['status_enum', ['pending', 'in_progress', 'completed', 'cancelled']],
        ],
        `CREATE TABLE tasks (
      task_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id uuid NOT NULL,
      name varchar(255) NOT NULL,
      description text,
      due_date_gregorian timestamptz,
      date_added_gregorian timestamptz NOT NULL DEFAULT now(),
      due_date_jalali varchar(50),
      date_added_jalali varchar(50) NOT NULL,
      priority priority_enum NOT NULL DEFAULT 'medium',
      status status_enum NOT NULL DEFAULT 'pending',
      tags text[],
      completed_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX idx_tasks_user_id ON tasks (user_id);
    CREATE INDEX idx_tasks_status ON tasks (status);
    CREATE INDEX idx_tasks_due_date_gregorian ON tasks (due_date_gregorian);
    -- users is Behflow's table: reference it only where it exists.
    IF to_regclass('users') IS NOT NULL THEN
      ALTER TABLE tasks ADD CONSTRAINT tasks_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (user_id) ON DELETE CASCADE;
    END IF;`,
      ),
    );

    this.addSql(
      createBehflowTableIfMissing(
        'automated_processes',
        [['trigger_type_enum', ['manual', 'time_based', 'event_based']]],
        `CREATE TABLE automated_processes (
      process_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name varchar(255) UNIQUE NOT NULL,
      description text,
      trigger_type trigger_type_enum NOT NULL,
      schedule_config jsonb,
      process_config jsonb,
      is_enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      last_executed_at timestamptz
    );`,
      ),
    );

    this.addSql(
      createBehflowTableIfMissing(
        'automated_process_executions',
        [['process_status_enum', ['pending', 'running', 'completed', 'failed', 'disabled']]],
        `CREATE TABLE automated_process_executions (
      execution_id uuid PRIMARY KEY,
      process_id uuid NOT NULL REFERENCES automated_processes (process_id) ON DELETE CASCADE,
      status process_status_enum NOT NULL DEFAULT 'pending',
      started_at timestamptz,
      completed_at timestamptz,
      result jsonb,
      error_message text
    );
    CREATE INDEX idx_automated_process_executions_process_id ON automated_process_executions (process_id);`,
      ),
    );

    this.addSql(addColumnIfMissing('automated_process_executions', 'trigger', 'varchar(32)'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'logical_time', 'timestamptz'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'workflow_id', 'varchar(255)'));
    this.addSql(addColumnIfMissing('automated_process_executions', 'workflow_run_id', 'varchar(255)'));
    // At most one run of a process at a time, whatever started it. Rows without a workflow are
    // Behflow's own (possibly stale) and never block us.
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS automated_process_executions_one_running
      ON automated_process_executions (process_id) WHERE status = 'running' AND workflow_id IS NOT NULL;`);
    // The history index (process_id, started_at DESC) is Migration20261202000000OwnIndexes's, under a
    // name of our own: the one this migration once made is Behflow's name for an index on started_at.

    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_task_moves (
      id bigserial PRIMARY KEY,
      execution_id uuid NOT NULL REFERENCES automated_process_executions (execution_id) ON DELETE RESTRICT,
      task_id uuid NOT NULL,
      old_due_gregorian timestamptz,
      new_due_gregorian timestamptz NOT NULL,
      old_due_jalali varchar(50),
      new_due_jalali varchar(50) NOT NULL,
      moved_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT automated_process_task_moves_once UNIQUE (execution_id, task_id)
    );`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_task_moves_task_id
      ON automated_process_task_moves (task_id);`);

    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_env_defaults (
      process_name varchar(255) PRIMARY KEY,
      schedule_config jsonb NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    );`);
  }
}
