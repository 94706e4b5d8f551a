import { ApplicationFailure, CancelledFailure, type Context } from '@temporalio/activity';
import { InvalidProcessConfigError } from '../config/process-config';

/** A bad config will not fix itself on retry: fail at once, naming the field. */
export function failOnBadConfig<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidProcessConfigError) {
      throw ApplicationFailure.nonRetryable(err.message, 'InvalidProcessConfig');
    }
    throw err;
  }
}

/** Between batches: stop promptly when the workflow cancels us (delivered through heartbeats). */
export function throwIfCancelled(ctx: Context): void {
  if (ctx.cancellationSignal.aborted) {
    const reason: unknown = ctx.cancellationSignal.reason;
    throw reason instanceof CancelledFailure ? reason : new CancelledFailure('activity cancelled');
  }
}
