import nodemailer from 'nodemailer';
import { detailLines, headline, linksOf } from './message';
import type { NotificationPayload } from './outbox';
import { describeError, failed, type SendResult } from './send-result';

export interface EmailSettings {
  readonly smtpUrl: string | undefined;
  readonly notifyFrom: string;
  readonly apiPublicUrl: string;
}

export function emailText(payload: NotificationPayload, apiPublicUrl: string): string {
  const links = linksOf(payload, apiPublicUrl);
  return [
    headline(payload),
    '',
    ...detailLines(payload),
    ...(links.execution ? [`Execution: ${links.execution}`] : []),
    ...(links.webUi ? [`Temporal Web UI: ${links.webUi}`] : []),
    '',
    `Delivery ${payload.id}`,
  ].join('\n');
}

/** One email over SMTP_URL; without it the delivery fails saying so (and is retried). */
export async function sendEmail(
  to: readonly string[],
  payload: NotificationPayload,
  settings: EmailSettings,
): Promise<SendResult> {
  if (!settings.smtpUrl) return failed('SMTP_URL is not set: the worker cannot send email');
  const transport = nodemailer.createTransport({
    url: settings.smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  const password = new URL(settings.smtpUrl).password;
  try {
    const info = await transport.sendMail({
      from: settings.notifyFrom,
      to: [...to],
      subject: `[Behflow] ${headline(payload)}`,
      text: emailText(payload, settings.apiPublicUrl),
      headers: { 'Behflow-Delivery': payload.id },
      messageId: `<${payload.id}@behflow-processes>`,
    });
    const code = /^(\d{3})/.exec(info.response)?.[1];
    return { ok: true, status: code ? Number(code) : null, error: null };
  } catch (err) {
    const code = (err as { responseCode?: unknown }).responseCode;
    return failed(describeError(err, [password]), typeof code === 'number' ? code : null);
  } finally {
    transport.close();
  }
}
