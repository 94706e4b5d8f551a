import { ApplicationFailure } from '@temporalio/activity';
import { storedPolicy, type NotifyChannel } from '../../config/policy';
import type { ActivityDeps } from '../deps';
import { channelKind, channelLabel } from './channels';
import { sendEmail } from './email';
import type { NotificationPayload } from './outbox';
import { failed, type SendResult } from './send-result';
import { sendSlack } from './slack';
import { sendWebhook } from './webhook';

interface OutboxRow {
  delivery_id: string;
  channel_kind: string;
  channel_label: string;
  channel_index: number;
  payload: NotificationPayload;
  policy: unknown;
}

/** What a delivery's workflow calls: one attempt at a time, each recorded on the outbox row. */
export function createNotificationActivities(deps: ActivityDeps) {
  const { orm } = deps;
  const settings = deps.notifications;

  async function record(deliveryId: string, result: SendResult): Promise<void> {
    await orm.em.fork().execute(
      `UPDATE automated_process_notifications
          SET last_status = ?, last_error = ?, delivered_at = CASE WHEN ? THEN now() ELSE delivered_at END
        WHERE delivery_id = ?`,
      [result.status, result.error, result.ok, deliveryId],
    );
  }

  async function send(channel: NotifyChannel, payload: NotificationPayload): Promise<SendResult> {
    if ('webhook' in channel) return sendWebhook(channel.webhook, payload);
    const apiPublicUrl = settings?.apiPublicUrl ?? 'http://localhost:3000';
    if ('slack' in channel) return sendSlack(channel.slack.webhook_url, payload, apiPublicUrl);
    return sendEmail(channel.email.to, payload, {
      smtpUrl: settings?.smtpUrl,
      notifyFrom: settings?.notifyFrom ?? 'behflow-processes@localhost',
      apiPublicUrl,
    });
  }

  return {
    /**
     * One attempt: counts it on the row before sending (so an attempt cut short by a crash still
     * counts), sends with the channel's secret read from the policy now, records the answer. Throws
     * on a failed attempt, for the workflow's retry policy; a delivered row is never sent again.
     */
    async deliverNotification(deliveryId: string): Promise<'delivered' | 'already delivered'> {
      const [row] = await orm.em.fork().execute<OutboxRow[]>(
        `UPDATE automated_process_notifications n SET attempts = n.attempts + 1
          WHERE n.delivery_id = ? AND n.delivered_at IS NULL
          RETURNING n.delivery_id, n.channel_kind, n.channel_label, n.channel_index, n.payload,
                    (SELECT r.policy FROM automated_process_registrations r WHERE r.process_id = n.process_id) AS policy`,
        [deliveryId],
      );
      if (!row) {
        const [kept] = await orm.em
          .fork()
          .execute<{ delivery_id: string }[]>(
            'SELECT delivery_id FROM automated_process_notifications WHERE delivery_id = ?',
            [deliveryId],
          );
        if (kept) return 'already delivered';
        throw ApplicationFailure.nonRetryable(`notification ${deliveryId} is gone (its process was deleted)`);
      }
      const channel = storedPolicy(row.policy).notify[row.channel_index];
      if (!channel || channelKind(channel) !== row.channel_kind || channelLabel(channel) !== row.channel_label) {
        const result = failed("the channel is no longer in the process's policy");
        await record(deliveryId, result);
        throw ApplicationFailure.nonRetryable(result.error ?? '', 'ChannelGone');
      }
      const result = await send(channel, row.payload);
      await record(deliveryId, result);
      if (!result.ok) throw ApplicationFailure.retryable(result.error ?? 'delivery failed', 'DeliveryFailed');
      return 'delivered';
    },

    /** After the last attempt: the row says it was given up, and its last error stays why. */
    async giveUpNotification(deliveryId: string): Promise<void> {
      await orm.em.fork().execute(
        `UPDATE automated_process_notifications SET given_up_at = now()
            WHERE delivery_id = ? AND delivered_at IS NULL AND given_up_at IS NULL`,
        [deliveryId],
      );
    },
  };
}
