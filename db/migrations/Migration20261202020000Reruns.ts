import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing } from './sql-helpers';

/**
 * A rerun's link to the execution it reruns (same process, same logical time). No foreign key: our
 * columns never block Behflow's deletes of its executions.
 */
export class Migration20261202020000Reruns extends Migration {
  override async up(): Promise<void> {
    this.addSql(addColumnIfMissing('automated_process_executions', 'rerun_of', 'uuid'));
  }
}
