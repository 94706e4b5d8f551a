import type { EntityManager } from '@mikro-orm/postgresql';
import { closedAtSql } from './closed-rows';

/** Deliveries of the notifications outbox (automated_process_notifications) that ended, by how. */
export interface DeliveryGroup {
  readonly process: string;
  readonly channel: string;
  readonly outcome: 'delivered' | 'given_up';
  readonly count: number;
}

export interface EndedDelivery extends DeliveryGroup {
  readonly id: string;
  readonly closedAt: string;
}

/** When a delivery ended; the expression behflow_processes_notifications_ended indexes. */
const ENDED = 'COALESCE(n.delivered_at, n.given_up_at)';
const OUTCOME = `CASE WHEN n.delivered_at IS NOT NULL THEN 'delivered' ELSE 'given_up' END`;
const FROM = 'FROM automated_process_notifications n JOIN automated_processes p ON p.process_id = n.process_id';

type Row = { process: string; channel: string; outcome: DeliveryGroup['outcome']; count: string };

/** Those that ended before `floor`: read once, at the first scrape. */
export async function deliveriesEndedBefore(em: EntityManager, floor: string): Promise<DeliveryGroup[]> {
  const rows = await em.execute<Row[]>(
    `SELECT p.name AS process, n.channel_kind AS channel, ${OUTCOME} AS outcome, count(*) AS count
       ${FROM} WHERE ${ENDED} < ?::timestamptz GROUP BY 1, 2, 3`,
    [floor],
  );
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

/** Those that ended at or after `from`, one by one. */
export async function deliveriesEndedSince(em: EntityManager, from: string): Promise<EndedDelivery[]> {
  const rows = await em.execute<(Omit<Row, 'count'> & { id: string; closed_at: string })[]>(
    `SELECT n.delivery_id::text AS id, ${closedAtSql(ENDED)} AS closed_at, p.name AS process,
            n.channel_kind AS channel, ${OUTCOME} AS outcome
       ${FROM} WHERE ${ENDED} >= ?::timestamptz`,
    [from],
  );
  return rows.map(({ closed_at, ...row }) => ({ ...row, closedAt: closed_at, count: 1 }));
}

/** Deliveries neither delivered nor given up yet, by process and channel (the outbox's pending index). */
export async function pendingDeliveries(
  em: EntityManager,
): Promise<{ process: string; channel: string; count: number }[]> {
  const rows = await em.execute<{ process: string; channel: string; count: string }[]>(
    `SELECT p.name AS process, n.channel_kind AS channel, count(*) AS count
       ${FROM} WHERE n.delivered_at IS NULL AND n.given_up_at IS NULL GROUP BY 1, 2`,
  );
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}
