import type { EntityManager } from '@mikro-orm/postgresql';
import { storedPolicy, type NotifyEvent, type ProcessPolicy } from '../../config/policy';
import { AutomatedProcessExecution } from '../../db/entities';
import { executionView, type ExecutionViewData, type LinkSettings } from '../execution-view';
import { channelKind, channelLabel } from './channels';
import { deliveryIdOf } from './ids';

/** What a webhook receives (and what the outbox row keeps): never a secret. */
export interface NotificationPayload {
  readonly id: string;
  readonly type: `run.${NotifyEvent}`;
  readonly occurred_at: string;
  readonly process: { readonly name: string };
  /** The run, as GET /executions/:id shows it; null for a missed time no run covered. */
  readonly execution: ExecutionViewData | null;
  /** skipped / missed: the scheduled time and why it did not run. */
  readonly nominal?: { readonly time: string; readonly local_date: string; readonly reason: string };
  /** unusual: how many tasks the run moved, and against what. */
  readonly unusual?: {
    readonly moved: number;
    readonly max_moved: number | null;
    readonly median_moved: number | null;
  };
}

export interface NotificationEvent {
  readonly processId: string;
  readonly event: NotifyEvent;
  /** What the event is about, for its delivery ids: the execution id, or the nominal time. */
  readonly subject: string;
  readonly executionId: string | null;
  readonly details?: Pick<NotificationPayload, 'nominal' | 'unusual'>;
}

/** The process's stored policy (NULL or unparsable: the defaults, which notify nobody). */
export async function policyOf(em: EntityManager, processId: string): Promise<ProcessPolicy> {
  const [row] = await em.execute<{ policy: unknown }[]>(
    'SELECT policy FROM automated_process_registrations WHERE process_id = ?',
    [processId],
  );
  return storedPolicy(row?.policy);
}

/**
 * Queues the event for each channel of the process's policy that listens to it, in the caller's
 * transaction. Returns the ids of the deliveries queued now (one queued before is not returned, so
 * its workflow is not started twice).
 */
export async function enqueueNotifications(
  em: EntityManager,
  links: LinkSettings,
  event: NotificationEvent,
  policy?: ProcessPolicy,
): Promise<string[]> {
  const { notify } = policy ?? (await policyOf(em, event.processId));
  const channels = notify.flatMap((channel, index) => (channel.on.includes(event.event) ? [{ channel, index }] : []));
  if (channels.length === 0) return [];
  const [process] = await em.execute<{ name: string }[]>('SELECT name FROM automated_processes WHERE process_id = ?', [
    event.processId,
  ]);
  const execution = event.executionId ? await findExecution(em, event.executionId) : undefined;
  const occurredAt = new Date().toISOString();
  const queued: string[] = [];
  for (const { channel, index } of channels) {
    const id = deliveryIdOf(event.processId, event.event, event.subject, index);
    const payload: NotificationPayload = {
      id,
      type: `run.${event.event}`,
      occurred_at: occurredAt,
      process: { name: process?.name ?? '' },
      execution: execution ? executionView(execution, process?.name ?? '', links) : null,
      ...event.details,
    };
    const inserted = await em.execute<{ delivery_id: string }[]>(
      `INSERT INTO automated_process_notifications
         (delivery_id, process_id, execution_id, event, channel_kind, channel_label, channel_index, payload, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)
       ON CONFLICT (delivery_id) DO NOTHING
       RETURNING delivery_id`,
      [
        id,
        event.processId,
        event.executionId,
        event.event,
        channelKind(channel),
        channelLabel(channel),
        index,
        JSON.stringify(payload),
        occurredAt,
      ],
    );
    if (inserted.length > 0) queued.push(id);
  }
  return queued;
}

async function findExecution(em: EntityManager, executionId: string): Promise<AutomatedProcessExecution | undefined> {
  const [row] = await em.execute<Record<string, unknown>[]>(
    'SELECT * FROM automated_process_executions WHERE execution_id = ?',
    [executionId],
  );
  return row ? em.map(AutomatedProcessExecution, row) : undefined;
}
