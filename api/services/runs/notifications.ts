import type { EntityManager } from '@mikro-orm/postgresql';
import type { ProcessDefinition } from '../../../processes/definition';
import type { NotificationPage, NotificationsQuery, NotificationView } from '../../schemas/notifications';
import { decodeCursor, encodeCursor, isMicrosTimestampOrEmpty, isUuid } from './cursor';
import { findHistorySubject } from './executions';

type NotificationRow = Omit<NotificationView, 'channel'> & {
  channel_kind: NotificationView['channel']['kind'];
  channel_label: string;
  created_key: string;
};

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * GET /processes/:name/notifications: the process's deliveries (automated_process_notifications),
 * newest first, keyset-paginated; the channel named by kind and label, never by its secret.
 */
export async function listNotifications(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  name: string,
  query: NotificationsQuery,
): Promise<NotificationPage> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, [isMicrosTimestampOrEmpty, isUuid]);
  const subject = await findHistorySubject(em, registry, name);
  const where = [`process_id IN (${subject.processIds.map(() => '?').join(', ')})`];
  const params: unknown[] = [...subject.processIds];
  if (after) {
    where.push('(created_at < ?::timestamptz OR (created_at = ?::timestamptz AND delivery_id < ?::uuid))');
    params.push(after[0], after[0], after[1]);
  }
  const limit = query.limit ?? 20;
  params.push(limit + 1);
  const rows = await em.getConnection().execute<NotificationRow[]>(
    `SELECT delivery_id, event, channel_kind, channel_label, execution_id, attempts, last_status, last_error,
            ${iso('created_at')} AS created_at, ${iso('delivered_at')} AS delivered_at,
            ${iso('given_up_at')} AS given_up_at,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key
       FROM automated_process_notifications
      WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, delivery_id DESC
      LIMIT ?`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      delivery_id: row.delivery_id,
      event: row.event,
      channel: { kind: row.channel_kind, label: row.channel_label },
      execution_id: row.execution_id,
      attempts: row.attempts,
      last_status: row.last_status,
      last_error: row.last_error,
      created_at: row.created_at,
      delivered_at: row.delivered_at,
      given_up_at: row.given_up_at,
    })),
    next_cursor: rows.length > limit && last ? encodeCursor([last.created_key, last.delivery_id]) : null,
  };
}
