import { derivedUuid } from '../derived-uuid';

/**
 * A delivery's id, derived from what it is about: the same event of the same subject (a run, a
 * nominal time) to the same channel is one delivery, however often the activity that enqueues it runs.
 * Shaped as a UUID (version 8, "custom"), for the table's uuid key and receivers that expect one.
 */
export function deliveryIdOf(processId: string, event: string, subject: string, channelIndex: number): string {
  return derivedUuid(`${processId}|${event}|${subject}|${channelIndex}`);
}

/** One delivery workflow per delivery: starting it twice (the enqueuing activity, the worker's pass) is harmless. */
export function deliveryWorkflowId(deliveryId: string): string {
  return `notification:${deliveryId}`;
}

/** The delivery workflow's type: workflows/deliver-notification.ts exports it under this name. */
export const DELIVERY_WORKFLOW_TYPE = 'notificationDelivery';
