import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing } from './sql-helpers';

/** Each process's failure policy (config/policy.ts), beside its registration; NULL: the defaults. */
export class Migration20261202010000ProcessPolicies extends Migration {
  override async up(): Promise<void> {
    this.addSql(addColumnIfMissing('automated_process_registrations', 'policy', 'jsonb'));
  }
}
