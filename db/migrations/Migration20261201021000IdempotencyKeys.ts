import { Migration } from '@mikro-orm/migrations';

/**
 * Idempotency-Keys of POST /processes/:name/trigger, per process: stored when a request arrives
 * (claim: the request answering it), with its answer once it has one; kept at least 24 hours.
 */
export class Migration20261201021000IdempotencyKeys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_idempotency_keys (
      process_id uuid NOT NULL REFERENCES automated_processes (process_id) ON DELETE CASCADE,
      idempotency_key varchar(200) NOT NULL,
      claim uuid NOT NULL,
      claimed_at timestamptz NOT NULL DEFAULT now(),
      response_status smallint,
      response_body jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      answered_at timestamptz,
      PRIMARY KEY (process_id, idempotency_key),
      CONSTRAINT automated_process_idempotency_keys_answer CHECK ((response_status IS NULL) = (response_body IS NULL))
    );`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_idempotency_keys_created_at
      ON automated_process_idempotency_keys (created_at);`);
  }
}
