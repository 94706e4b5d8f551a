import { AsyncLocalStorage } from 'node:async_hooks';
import { isGrpcServiceError, ServiceError, type Client } from '@temporalio/client';

/**
 * How long one Temporal request (or a describe-and-write pair) may take. Writes make their Temporal
 * calls inside a database transaction, so this bounds how long a connection of the pool is held when
 * Temporal accepts connections but does not answer; a healthy server answers in milliseconds.
 */
// 8 s rather than 5: on a loaded dev server (CI running test files side by side) a schedule's
// describe-and-update took over 5 s, and twenty queued writes to one schedule got a 503.
export const TEMPORAL_DEADLINE_MS = 8_000;
/**
 * A read's bound (describing a schedule for a view): it holds no transaction, and on a loaded machine
 * (CI running test files side by side) a describe can take longer than a write may wait.
 */
export const READ_DEADLINE_MS = 15_000;
/** A reload's per-process bound: it holds no transaction, and a busy server may take a while to describe. */
export const RELOAD_DEADLINE_MS = 30_000;

/** The deadline an outer withTemporalDeadline chose: the calls inside keep it rather than set their own. */
const chosen = new AsyncLocalStorage<number>();

/**
 * Runs `work`, whose Temporal requests fail with DEADLINE_EXCEEDED `ms` from now (or at the deadline
 * an enclosing call chose). A raw gRPC error (the service stubs throw those) comes out as a
 * ServiceError, as the clients' own errors do, so the one classifier of connection failures
 * (unreachableServer) recognises it.
 */
export async function withTemporalDeadline<T>(
  client: Client,
  work: () => Promise<T>,
  ms: number = TEMPORAL_DEADLINE_MS,
): Promise<T> {
  const deadline = chosen.getStore() ?? Date.now() + ms;
  try {
    return await chosen.run(deadline, () => client.withDeadline(deadline, work));
  } catch (err) {
    if (isGrpcServiceError(err)) throw new ServiceError(`Temporal: ${err.details || err.message}`, { cause: err });
    throw err;
  }
}

/**
 * Fails (as withTemporalDeadline does) unless Temporal answers a trivial request. Writes ask before
 * they open a transaction: when Temporal is down they all fail within the deadline, together,
 * without waiting for a connection of the pool behind writes that hold one.
 */
export async function ensureTemporalAnswers(client: Client): Promise<void> {
  await withTemporalDeadline(client, () => client.workflowService.getSystemInfo({}));
}
