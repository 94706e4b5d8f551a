import type { ActivityOptions } from '@temporalio/workflow';

/** A process's work activity: long, heartbeating, retried through short outages of PostgreSQL. */
export const WORK_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 },
};
