// The README's receiver snippet ("### Notifications"), verbatim: the tests check deliveries with it.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** True when `header` (Behflow-Signature) signs `rawBody` with `secret` less than 5 minutes ago. */
export function verifyBehflowSignature(rawBody: string, header: string | undefined, secret: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const signedAt = Number(match[1]);
  if (Math.abs(Date.now() / 1000 - signedAt) > 300) return false; // older than 5 minutes: a replay
  const expected = createHmac('sha256', secret).update(`${signedAt}.${rawBody}`).digest();
  return timingSafeEqual(expected, Buffer.from(match[2]!, 'hex'));
}
