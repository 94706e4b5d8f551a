import { Migration } from '@mikro-orm/migrations';

/** Behflow's tables, which its own code deletes from: a process, old executions, a user (and their tasks). */
const BEHFLOW_TABLES = ['automated_processes', 'automated_process_executions', 'tasks', 'users'];
/** This service's tables. Their rows belong to Behflow's and never outlive them. */
const OUR_TABLES = [
  'automated_process_task_moves',
  'automated_process_task_archives',
  'automated_process_registrations',
  'automated_process_nominal_times',
  'automated_process_idempotency_keys',
  'automated_process_env_defaults',
];

function sqlList(names: readonly string[]): string {
  return `ARRAY[${names.map((n) => `'${n}'`).join(', ')}]`;
}

/**
 * Behflow's deletes work again: `db.delete(process)`, pruning old executions, deleting a user.
 * - Behflow's own executions -> processes key cascades again (the first migration made it RESTRICT;
 *   where that migration created the table, CASCADE is right too: the API soft-deletes a process).
 * - Every key of ours into Behflow's rows cascades: the audit of a pruned execution goes with it.
 *   Keeping history is the API's soft delete, never a refusal of Behflow's delete.
 * Each key is rebuilt under its own name with its own columns, only where it does not cascade yet.
 */
export class Migration20261201100000BehflowDeletesCascade extends Migration {
  override async up(): Promise<void> {
    this.addSql(`DO $$
DECLARE fk record;
BEGIN
  FOR fk IN
    SELECT c.conname, src.relname AS tbl, dst.relname AS ref,
      (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
         FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS cols,
      (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n)
         FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
         JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS refcols
    FROM pg_constraint c
    JOIN pg_class src ON src.oid = c.conrelid
    JOIN pg_class dst ON dst.oid = c.confrelid
    WHERE c.contype = 'f' AND c.confdeltype <> 'c'
      AND src.relnamespace = current_schema()::regnamespace AND dst.relnamespace = src.relnamespace
      AND ((src.relname = 'automated_process_executions' AND dst.relname = 'automated_processes')
        OR (src.relname = ANY(${sqlList(OUR_TABLES)}) AND dst.relname = ANY(${sqlList(BEHFLOW_TABLES)})))
  LOOP
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I, ADD CONSTRAINT %I FOREIGN KEY (%s) REFERENCES %I (%s) ON DELETE CASCADE',
      fk.tbl, fk.conname, fk.conname, fk.cols, fk.ref, fk.refcols);
  END LOOP;
END $$;`);
  }
}
