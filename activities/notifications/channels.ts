import type { NotifyChannel } from '../../config/policy';

export type ChannelKind = 'webhook' | 'slack' | 'email';

export function channelKind(channel: NotifyChannel): ChannelKind {
  if ('webhook' in channel) return 'webhook';
  if ('slack' in channel) return 'slack';
  return 'email';
}

/**
 * How a channel is named in the outbox and the API: never a secret. A webhook by its host and path
 * (a query string may carry a token, so it is left out), Slack by "slack" alone (its URL is its
 * secret), email by its recipients.
 */
export function channelLabel(channel: NotifyChannel): string {
  if ('webhook' in channel) {
    const url = new URL(channel.webhook.url);
    return `${url.protocol}//${url.host}${url.pathname}`;
  }
  if ('slack' in channel) return 'slack';
  return channel.email.to.join(', ');
}
