/** The latency floor's workflow: one no-op activity, nothing else. Bundled for the floor worker only. */
import { proxyActivities } from '@temporalio/workflow';
import type { NoopActivities } from './noop-activities';

const { noop } = proxyActivities<NoopActivities>({ startToCloseTimeout: '30 seconds' });

export async function noopWorkflow(): Promise<void> {
  await noop();
}
