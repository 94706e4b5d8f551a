import { startDelivery } from '../activities/notifications/start-delivery';
import type { Logger } from '../platform/logger';
import type { Services } from '../platform/services';

/** A delivery queued longer ago than this without being done is started by the worker's pass. */
export const UNSTARTED_AFTER_SECONDS = 30;
const PER_PASS = 500;

/**
 * The safety net under the outbox: the activity that queued a notification starts its delivery
 * after its transaction commits, and may die in between. Each 30-second pass starts the workflow of
 * every delivery neither done nor given up that is older than that; one already running is left
 * alone (its workflow id is the delivery's), so this only ever adds the missing ones. Returns the
 * deliveries it started or found running.
 */
export async function startPendingDeliveries(
  services: Pick<Services, 'orm' | 'client'>,
  taskQueue: string,
  logger: Pick<Logger, 'warn'>,
  olderThanSeconds: number = UNSTARTED_AFTER_SECONDS,
): Promise<string[]> {
  const rows = await services.orm.em.fork().execute<{ delivery_id: string }[]>(
    `SELECT delivery_id FROM automated_process_notifications
      WHERE delivered_at IS NULL AND given_up_at IS NULL AND created_at < now() - make_interval(secs => ?)
      ORDER BY created_at LIMIT ${PER_PASS}`,
    [olderThanSeconds],
  );
  const started: string[] = [];
  for (const { delivery_id: deliveryId } of rows) {
    try {
      await startDelivery(services.client, taskQueue, deliveryId);
      started.push(deliveryId);
    } catch (err) {
      logger.warn('Starting a notification delivery failed; trying again at the next pass', {
        deliveryId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return started;
}
