import type { ActivityOptions } from '@temporalio/workflow';
import type { RunPolicy } from '../config/policy';

/**
 * A process's work activity: long, heartbeating, retried through short outages of PostgreSQL. The
 * options of every run before policies (and of a run whose context carries none): equal to
 * DEFAULT_POLICY's retry and timeouts.
 */
export const WORK_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5 },
};

/** The work activity's options under the run's policy: its retry, one attempt's timeout, its heartbeat. */
export function workActivityOptions(policy: RunPolicy | undefined): ActivityOptions {
  if (!policy) return WORK_ACTIVITY_OPTIONS;
  const { retry, timeouts } = policy;
  return {
    startToCloseTimeout: timeouts.activity_seconds * 1000,
    heartbeatTimeout: timeouts.heartbeat_seconds * 1000,
    retry: {
      maximumAttempts: retry.max_attempts,
      initialInterval: retry.initial_interval_seconds * 1000,
      backoffCoefficient: retry.backoff,
      maximumInterval: retry.max_interval_seconds * 1000,
    },
  };
}
