import { postJson } from './http-post';
import type { NotificationPayload } from './outbox';
import type { SendResult } from './send-result';
import { signatureHeader } from './signature';

/** The webhook body, its keys in a fixed order (the outbox's jsonb keeps them in its own). */
export function webhookBody(payload: NotificationPayload): string {
  const { id, type, occurred_at, process, execution, ...details } = payload;
  return JSON.stringify({ id, type, occurred_at, process, execution, ...details });
}

/** One signed POST; signed anew each attempt, so a retry's signature is as fresh as its time. */
export async function sendWebhook(
  channel: { readonly url: string; readonly secret: string },
  payload: NotificationPayload,
  now: () => number = Date.now,
): Promise<SendResult> {
  const body = webhookBody(payload);
  return postJson(channel.url, body, {
    'Behflow-Delivery': payload.id,
    'Behflow-Event': payload.type,
    'Behflow-Signature': signatureHeader(channel.secret, body, Math.floor(now() / 1000)),
  });
}
