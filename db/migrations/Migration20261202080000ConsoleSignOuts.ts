import { Migration } from '@mikro-orm/migrations';

/**
 * The console's sessions that were signed out before they expired (api/ui/session.ts): a session is
 * a signed cookie, so signing out must be remembered on the server, or a copy of the cookie would
 * stay valid until it expires. A row is kept until its session would have expired anyway.
 */
export class Migration20261202080000ConsoleSignOuts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_console_sign_outs (
      session_id text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    );`);
  }
}
