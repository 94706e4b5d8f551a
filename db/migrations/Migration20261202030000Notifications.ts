import { Migration } from '@mikro-orm/migrations';

/**
 * The notifications outbox: one row per delivery of an event to a channel, written in the same
 * transaction as what caused it (a run's row closed, a nominal time recorded), so a crash never loses
 * one. The row names its channel by kind and a label that is no secret (a webhook's host and path,
 * "slack", the email recipients) and by its place in the policy; the secret is read from the policy
 * when delivering. Execution ids are kept without a foreign key, as the day ledger keeps them.
 */
export class Migration20261202030000Notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_notifications (
      delivery_id uuid PRIMARY KEY,
      process_id uuid NOT NULL REFERENCES automated_processes (process_id) ON DELETE CASCADE,
      execution_id uuid,
      event varchar(16) NOT NULL
        CHECK (event IN ('failed', 'timed_out', 'recovered', 'skipped', 'missed', 'unusual')),
      channel_kind varchar(16) NOT NULL CHECK (channel_kind IN ('webhook', 'slack', 'email')),
      channel_label text NOT NULL,
      channel_index integer NOT NULL,
      payload jsonb NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      last_status integer,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz,
      given_up_at timestamptz
    );`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_notifications_process
      ON automated_process_notifications (process_id, created_at DESC, delivery_id DESC);`);
    // The worker's safety net looks for these: deliveries neither done nor given up.
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_notifications_pending
      ON automated_process_notifications (created_at) WHERE delivered_at IS NULL AND given_up_at IS NULL;`);
  }
}
