import { Migration } from '@mikro-orm/migrations';

/**
 * A task moved (or tagged) twice in one execution, because a user put it back in the meantime, gets
 * an audit row per move. Retries stay idempotent without the old per-task key: a move and its audit
 * row commit in one statement, and a task already moved no longer matches.
 * - moves: keyed on the due date the move started from (never NULL: only dated, overdue tasks move;
 *   a plain UNIQUE, as NULLS NOT DISTINCT needs PostgreSQL 15 and older servers are supported);
 * - archives: keyed on the time of the tagging's commit (a tagging leaves no other trace to tell two apart).
 */
export class Migration20261201020000AuditEveryMove extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `ALTER TABLE automated_process_task_moves DROP CONSTRAINT IF EXISTS automated_process_task_moves_once;`,
    );
    this.addSql(`DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'automated_process_task_moves_each_move'
                   AND conrelid = 'automated_process_task_moves'::regclass) THEN
    ALTER TABLE automated_process_task_moves ADD CONSTRAINT automated_process_task_moves_each_move
      UNIQUE (execution_id, task_id, old_due_gregorian);
  END IF;
END $$;`);
    this.addSql(`DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'automated_process_task_archives_each_tagging'
                   AND conrelid = 'automated_process_task_archives'::regclass) THEN
    ALTER TABLE automated_process_task_archives DROP CONSTRAINT IF EXISTS automated_process_task_archives_pkey;
    ALTER TABLE automated_process_task_archives ADD CONSTRAINT automated_process_task_archives_each_tagging
      PRIMARY KEY (execution_id, task_id, archived_at);
  END IF;
END $$;`);
  }
}
