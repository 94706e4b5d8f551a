import { createHash } from 'node:crypto';

/**
 * A UUID (version 8, "custom") derived from `text` by SHA-256: the same text always gives the same id,
 * so an activity that runs again (a retry, the worker's pass) names the same row and workflow.
 */
export function derivedUuid(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
