import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { createNotificationActivities } from '../activities/notifications/deliver';
import type { DeliveryInput } from '../activities/notifications/start-delivery';

type NotificationActivities = ReturnType<typeof createNotificationActivities>;

/**
 * Each attempt gets a minute (a webhook has 10 s to answer, SMTP a little longer); attempts go on
 * 5 s, 10 s, 20 s … apart, at most 5 min, for 90 minutes: a receiver down for an hour still gets it.
 */
const { deliverNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '90 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});
const { giveUpNotification } = proxyActivities<NotificationActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One delivery of one notification (workflow id notification:<delivery id>): at least once, the
 * same delivery id every attempt; when the attempts run out, the outbox row says it was given up.
 */
export async function notificationDelivery(input: DeliveryInput): Promise<string> {
  try {
    return await deliverNotification(input.deliveryId);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.warn('Notification given up', { deliveryId: input.deliveryId, error: err.cause?.message });
    await giveUpNotification(input.deliveryId);
    return 'given up';
  }
}
