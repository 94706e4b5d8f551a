import { postJson } from './http-post';
import { detailLines, headline, linksOf } from './message';
import type { NotificationPayload } from './outbox';
import type { SendResult } from './send-result';

/** Slack's link syntax: <url|text>, with its three reserved characters escaped in the text. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function slackMessage(payload: NotificationPayload, apiPublicUrl: string): { text: string } {
  const links = linksOf(payload, apiPublicUrl);
  const linkLine = [
    links.execution ? `<${links.execution}|Execution>` : null,
    links.webUi ? `<${links.webUi}|Temporal Web UI>` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [`*${slackEscape(headline(payload))}*`, ...detailLines(payload).map(slackEscape)];
  if (linkLine) lines.push(linkLine);
  return { text: lines.join('\n') };
}

/** An incoming-webhook message; its URL is the channel's secret, so no error names it. */
export async function sendSlack(
  webhookUrl: string,
  payload: NotificationPayload,
  apiPublicUrl: string,
): Promise<SendResult> {
  return postJson(webhookUrl, JSON.stringify(slackMessage(payload, apiPublicUrl)), {}, [
    webhookUrl,
    new URL(webhookUrl).pathname,
  ]);
}
