import type { RunEvent } from '../../activities/run-types';
import { dispatchEvent, eventRuns, storeEvent } from '../../temporal/events';
import type { AppDeps } from '../deps';
import { badRequest } from '../errors';
import { MAX_EVENT_DATA_BYTES, type EventAccepted, type EventBody } from '../schemas/events';

/** 202: this request stored the event and started its runs; 200: the id was known, nothing started. */
export interface EventAnswer {
  readonly statusCode: 200 | 202;
  readonly body: EventAccepted;
}

/**
 * POST /events: the event goes into the outbox (automated_process_events) like one Behflow's app
 * inserts, and is dispatched in the same transaction: its runs recorded and started, the row marked
 * processed, so the worker's notification finds nothing left to do. A known id answers the runs its
 * first arrival started (waiting for a dispatch in progress, or doing one left undone).
 */
export async function receiveEvent(deps: AppDeps, body: EventBody): Promise<EventAnswer> {
  const data = body.data ?? {};
  if (Buffer.byteLength(JSON.stringify(data)) > MAX_EVENT_DATA_BYTES) {
    throw badRequest('body.data', `must be at most ${MAX_EVENT_DATA_BYTES} bytes of JSON`);
  }
  const event: RunEvent = { id: body.id, name: body.name, data };
  const dispatch = { orm: deps.orm, client: deps.client, registry: deps.registry, taskQueue: deps.config.taskQueue };
  return deps.orm.em.fork().transactional(async (em) => {
    const stored = await storeEvent(em, event);
    const runs = await dispatchEvent(dispatch, em, event.id);
    return {
      statusCode: stored ? 202 : 200,
      body: { event_id: event.id, runs: stored ? runs : await eventRuns(em, event.id) },
    };
  });
}
