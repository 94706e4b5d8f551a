import type { LinkSettings } from '../execution-view';

/** What the notification activities need of the worker's settings (config/index.ts). */
export interface NotificationSettings extends LinkSettings {
  /** The task queue the delivery workflows run on: the worker's own. */
  readonly taskQueue: string;
  /** The API's address as people reach it, for links to executions. */
  readonly apiPublicUrl: string;
  /** Unset: email deliveries fail, saying so, and are retried (a worker restarted with it set sends them). */
  readonly smtpUrl: string | undefined;
  readonly notifyFrom: string;
}
