import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RunEvent } from '../activities/run-types';
import { TriggerType } from '../db/entities';
import type { Orm } from '../db/orm';
import { listLiveProcesses, type CatalogEntry } from '../processes/catalog';
import type { ProcessDefinition } from '../processes/definition';
import type { ProcessRunInput } from '../workflows/run-and-record';
import { scheduleIdFor, uuidFromBytes } from './ids';
import { PROCESS_KEY } from './schedule-options';

/** A run an event started: its process and execution row. */
export interface EventRun {
  readonly process: string;
  readonly execution_id: string;
}

export interface EventDispatchDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly registry: readonly ProcessDefinition[];
  readonly taskQueue: string;
}

/** The channel the outbox's trigger notifies with each new event's id (Migration20261202040000Events). */
export const EVENTS_CHANNEL = 'automated_process_events';

interface EventRow {
  event_id: string;
  name: string;
  data: Record<string, unknown>;
  processed_at: Date | null;
}

/**
 * The ids of the run an event gets of a process: derived from both (the process row's id, so a process
 * created again under a deleted one's name starts afresh), so a second start of it, by the worker
 * killed before it marked the event processed or by the API and the worker both, is the same
 * workflow and changes nothing.
 */
export function eventRunIds(
  event: { readonly id: string },
  process: { readonly name: string; readonly processId: string },
  settings: { readonly taskQueue: string },
): { readonly workflowId: string; readonly executionId: string } {
  const digest = createHash('sha256').update(`${process.processId}\nevent\n${event.id}`).digest();
  return {
    workflowId: `${scheduleIdFor(process.name, settings)}-event-${digest.toString('hex').slice(0, 32)}`,
    executionId: uuidFromBytes(digest),
  };
}

/** Whether a live, enabled event-based process is bound to the event: its name, and its filter's fields equal. */
export function boundTo(entry: CatalogEntry, event: Pick<RunEvent, 'name' | 'data'>): boolean {
  const registration = entry.registration;
  if (!entry.definition || !entry.process.isEnabled || entry.process.triggerType !== TriggerType.EventBased) {
    return false;
  }
  if (registration?.eventName !== event.name) return false;
  const filter = registration.eventFilter ?? {};
  return Object.entries(filter).every(([field, value]) => isDeepStrictEqual(event.data[field], value));
}

/**
 * Stores an event in the outbox unless its id is there already. Returns whether this call stored it.
 */
export async function storeEvent(em: EntityManager, event: RunEvent): Promise<boolean> {
  const inserted = await em.execute<{ event_id: string }[]>(
    `INSERT INTO automated_process_events (event_id, name, data) VALUES (?, ?, ?::jsonb)
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [event.id, event.name, JSON.stringify(event.data)],
  );
  return inserted.length > 0;
}

/** The runs recorded for an event, by process name. */
export async function eventRuns(em: EntityManager, eventId: string): Promise<EventRun[]> {
  return em.execute<EventRun[]>(
    `SELECT process_name AS process, execution_id FROM automated_process_event_runs
      WHERE event_id = ? ORDER BY process_name`,
    [eventId],
  );
}

/**
 * Starts the runs of one stored event, once: inside `em`'s transaction the event's row is locked (a
 * second dispatcher waits, then finds it processed and answers its runs), each bound process's run is
 * recorded and started under ids derived from (event, process), and the row is marked processed. A
 * dispatcher that dies after a start and before its commit leaves the row unprocessed; the next one
 * starts the same workflow ids, which Temporal refuses or joins: still one run each.
 */
export async function dispatchEvent(deps: EventDispatchDeps, em: EntityManager, eventId: string): Promise<EventRun[]> {
  const [row] = await em.execute<EventRow[]>(
    `SELECT event_id, name, data, processed_at FROM automated_process_events WHERE event_id = ? FOR UPDATE`,
    [eventId],
  );
  if (!row) return [];
  if (row.processed_at) return eventRuns(em, eventId);
  const event: RunEvent = { id: row.event_id, name: row.name, data: isObject(row.data) ? row.data : {} };
  // In the dispatch's own transaction: a second connection per dispatch would let a burst of events
  // take the whole pool with transactions that each wait for one more connection.
  const bound = (await listLiveProcesses(em.fork({ keepTransactionContext: true }), deps.registry)).filter((entry) =>
    boundTo(entry, event),
  );
  for (const entry of bound) {
    const ids = eventRunIds(event, entry.process, deps);
    await em.execute(
      `INSERT INTO automated_process_event_runs (event_id, process_id, process_name, execution_id, workflow_id)
       VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id, process_id) DO NOTHING`,
      [event.id, entry.process.processId, entry.process.name, ids.executionId, ids.workflowId],
    );
    await startEventRun(deps, entry, event, ids);
  }
  await em.execute(`UPDATE automated_process_events SET processed_at = now() WHERE event_id = ?`, [eventId]);
  return eventRuns(em, eventId);
}

async function startEventRun(
  deps: EventDispatchDeps,
  entry: CatalogEntry,
  event: RunEvent,
  ids: { readonly workflowId: string; readonly executionId: string },
): Promise<void> {
  const input: ProcessRunInput = {
    processName: entry.process.name,
    trigger: 'event',
    logicalTime: new Date().toISOString(),
    executionId: ids.executionId,
    event,
  };
  try {
    await deps.client.workflow.start(entry.definition!.workflow.type, {
      taskQueue: deps.taskQueue,
      workflowId: ids.workflowId,
      args: [input],
      typedSearchAttributes: [{ key: PROCESS_KEY, value: entry.process.name }],
      memo: { process: entry.process.name, event: event.id },
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    // Started before (and ended since): the event's run for this process exists already.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** Events stored but not yet processed (inserted while no worker ran, or whose notification was missed). */
export async function unprocessedEventIds(orm: Orm, limit: number): Promise<string[]> {
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ event_id: string }[]>(
      `SELECT event_id FROM automated_process_events WHERE processed_at IS NULL ORDER BY created_at LIMIT ${limit}`,
    );
  return rows.map((r) => r.event_id);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
