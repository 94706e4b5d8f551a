import { Client as PgClient } from 'pg';
import type { Logger } from '../platform/logger';
import { dispatchEvent, EVENTS_CHANNEL, unprocessedEventIds, type EventDispatchDeps } from '../temporal/events';

/** How often the worker looks for events no notification brought (missed while it was down or reconnecting). */
export const EVENT_SWEEP_INTERVAL_MS = 5_000;
/** How long after losing its LISTEN connection the worker tries again. */
const RECONNECT_MS = 1_000;
const PER_SWEEP = 500;

export interface EventFollower {
  /** Resolves once the LISTEN connection is up and the first sweep (rows inserted while no worker ran) is done. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The worker's side of the events outbox: LISTENs on the channel the table's trigger notifies, and
 * dispatches each new event at once (its runs started, the row marked processed); a sweep at start and
 * every EVENT_SWEEP_INTERVAL_MS dispatches any row left unprocessed. Events are dispatched one at a
 * time; dispatching is safe to repeat (dispatchEvent), so a notification and a sweep finding the same
 * row start its runs once.
 */
export function followEvents(
  deps: EventDispatchDeps,
  logger: Pick<Logger, 'info' | 'warn'>,
  sweepMs: number = EVENT_SWEEP_INTERVAL_MS,
): EventFollower {
  let stopped = false;
  let listener: PgClient | undefined;
  let queue: Promise<void> = Promise.resolve();
  const queued = new Set<string>();

  function enqueue(eventId: string): void {
    if (queued.has(eventId) || stopped) return;
    queued.add(eventId);
    queue = queue.then(async () => {
      try {
        const runs = await deps.orm.em.fork().transactional((em) => dispatchEvent(deps, em, eventId));
        if (runs.length > 0) logger.info('Event dispatched', { eventId, runs: runs.map((r) => r.process) });
      } catch (err) {
        logger.warn('Dispatching an event failed; the next sweep tries again', {
          eventId,
          error: err instanceof Error ? err.message : String(err),
        });
      } finally {
        queued.delete(eventId);
      }
    });
  }

  async function sweep(): Promise<void> {
    try {
      for (const id of await unprocessedEventIds(deps.orm, PER_SWEEP)) enqueue(id);
    } catch (err) {
      logger.warn('Looking for unprocessed events failed', { error: err instanceof Error ? err.message : String(err) });
    }
    await queue;
  }

  async function listen(): Promise<void> {
    if (stopped) return;
    const client = new PgClient({ connectionString: deps.orm.config.get('clientUrl') });
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL && message.payload) enqueue(message.payload);
    });
    client.on('error', (err) => {
      logger.warn('The events LISTEN connection failed; reconnecting', { error: err.message });
      void client.end().catch(() => undefined);
      if (listener === client) listener = undefined;
      setTimeout(() => void listen().catch(() => undefined), RECONNECT_MS).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      listener = client;
    } catch (err) {
      await client.end().catch(() => undefined);
      logger.warn('Could not LISTEN for events; the sweep still finds them', {
        error: err instanceof Error ? err.message : String(err),
      });
      setTimeout(() => void listen().catch(() => undefined), RECONNECT_MS).unref();
    }
  }

  // LISTEN first, then sweep: an event inserted in between is found by one or the other.
  const ready = listen().then(sweep);
  const timer = setInterval(() => void sweep(), sweepMs);
  timer.unref();
  return {
    ready,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await ready.catch(() => undefined);
      await queue;
      await listener?.end().catch(() => undefined);
    },
  };
}
