import { Migration } from '@mikro-orm/migrations';

/** Which implementation runs each process, and soft deletion (history keeps pointing at the row). */
export class Migration20261126010000ProcessRegistrations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_registrations (
      process_id uuid PRIMARY KEY REFERENCES automated_processes (process_id) ON DELETE CASCADE,
      implementation varchar(255) NOT NULL,
      display_name varchar(255) NOT NULL,
      deleted_at timestamptz
    );`);
  }
}
