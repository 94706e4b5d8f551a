import type { Logger } from '../platform/logger';

const DAY_MS = 86_400_000;

/**
 * Runs `refresh` (the start's reconcile) again every `intervalMs` while the worker runs, so each
 * schedule's calendar horizon moves forward as time passes (temporal/firing-calendar.ts) without a
 * restart. A failed refresh is logged and tried again at the next tick; one still running when the
 * next tick comes is not doubled. Returns the stop, which waits for a refresh in progress, so the
 * worker does not close the connections under it.
 */
export function refreshSchedulesPeriodically(
  refresh: () => Promise<unknown>,
  logger: Pick<Logger, 'error'>,
  intervalMs: number = DAY_MS,
): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  const timer = setInterval(() => {
    inFlight ??= refresh()
      .then(
        () => undefined,
        (err: unknown) => {
          logger.error('Refreshing the schedules failed; trying again at the next refresh', {
            error: err instanceof Error ? err.message : String(err),
          });
        },
      )
      .finally(() => (inFlight = undefined));
  }, intervalMs);
  // The worker's own run keeps the process alive; this timer alone must not.
  timer.unref();
  return async () => {
    clearInterval(timer);
    await inFlight;
  };
}
