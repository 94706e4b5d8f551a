import { pendingChainStarts, startChained, type ChainSettings } from '../activities/chains/start';
import type { Logger } from '../platform/logger';
import type { Services } from '../platform/services';

/** A chained run queued longer ago than this without being started is started by the worker's pass. */
export const CHAIN_UNSTARTED_AFTER_SECONDS = 30;

/**
 * The safety net under chaining: the activity that closes an upstream's row starts its chained runs
 * after the commit, and may die in between. Each 30-second pass starts every one still queued and
 * older than that; the workflow id is the pair's, so one already started is left alone. Returns the
 * workflow ids it started (or found started).
 */
export async function startPendingChains(
  services: Pick<Services, 'orm' | 'client'>,
  settings: ChainSettings,
  logger: Pick<Logger, 'warn'>,
  olderThanSeconds: number = CHAIN_UNSTARTED_AFTER_SECONDS,
): Promise<string[]> {
  const started: string[] = [];
  let pending;
  try {
    pending = await pendingChainStarts(services.orm, { olderThanSeconds });
  } catch (err) {
    logger.warn('Reading the queued chained runs failed; trying again at the next pass', {
      error: err instanceof Error ? err.message : String(err),
    });
    return started;
  }
  for (const start of pending) {
    try {
      if (await startChained(services.orm, services.client, settings, start)) started.push(start.workflow_id);
    } catch (err) {
      logger.warn('Starting a chained run failed; trying again at the next pass', {
        workflowId: start.workflow_id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return started;
}
