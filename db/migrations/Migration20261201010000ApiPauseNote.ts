import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing } from './sql-helpers';

/**
 * The note of the pause made through the API, while it stands: it tells a reload that the pause is
 * the API's (undone when the row is enabled again, in SQL say), unlike one made in the Web UI or CLI.
 */
export class Migration20261201010000ApiPauseNote extends Migration {
  override async up(): Promise<void> {
    this.addSql(addColumnIfMissing('automated_process_registrations', 'api_pause_note', 'text'));
  }
}
