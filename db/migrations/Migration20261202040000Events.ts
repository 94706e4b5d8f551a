import { Migration } from '@mikro-orm/migrations';
import { addColumnIfMissing } from './sql-helpers';

/**
 * Events (issue 12): the outbox Behflow's app (or any SQL) INSERTs into in the same transaction as the
 * change that causes the event, in exactly the shape the README documents; a trigger NOTIFYs the worker
 * so it starts the runs at once (its sweep catches any notification missed). Ours beside it: which
 * runs each event started (so a repeated id answers them again), each execution's event, and the
 * binding of an event-based process (name and equality filter on data) on its registration.
 */
export class Migration20261202040000Events extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_events (
      event_id text PRIMARY KEY,
      name text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      processed_at timestamptz
    );`);
    this.addSql(`CREATE INDEX IF NOT EXISTS idx_automated_process_events_unprocessed
      ON automated_process_events (created_at) WHERE processed_at IS NULL;`);
    this.addSql(`CREATE TABLE IF NOT EXISTS automated_process_event_runs (
      event_id text NOT NULL REFERENCES automated_process_events (event_id) ON DELETE CASCADE,
      process_id uuid NOT NULL,
      process_name text NOT NULL,
      execution_id uuid NOT NULL,
      workflow_id text NOT NULL,
      PRIMARY KEY (event_id, process_id)
    );`);
    this.addSql(`CREATE OR REPLACE FUNCTION automated_process_events_notify() RETURNS trigger AS $$
    BEGIN
      PERFORM pg_notify('automated_process_events', NEW.event_id);
      RETURN NEW;
    END $$ LANGUAGE plpgsql;`);
    this.addSql(`DROP TRIGGER IF EXISTS automated_process_events_notify ON automated_process_events;`);
    this.addSql(`CREATE TRIGGER automated_process_events_notify AFTER INSERT ON automated_process_events
      FOR EACH ROW EXECUTE FUNCTION automated_process_events_notify();`);
    this.addSql(addColumnIfMissing('automated_process_executions', 'event_id', 'text'));
    this.addSql(addColumnIfMissing('automated_process_registrations', 'event_name', 'text'));
    this.addSql(addColumnIfMissing('automated_process_registrations', 'event_filter', 'jsonb'));
  }
}
