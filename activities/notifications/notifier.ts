import { Context, log } from '@temporalio/activity';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ActivityDeps } from '../deps';
import type { LinkSettings } from '../execution-view';
import { startDelivery } from './start-delivery';

/**
 * The links of a worker given no notification settings (a test's activities): config/index.ts's
 * defaults. The rows are queued all the same; nothing starts their delivery but the worker's pass.
 */
const DEFAULT_LINKS: LinkSettings = { temporalUiUrl: 'http://localhost:8233', temporalNamespace: 'default' };

export interface Notifier {
  readonly links: LinkSettings;
  /**
   * Runs `work` in a transaction and then starts the deliveries it queued (the ids it returns). A
   * delivery that cannot be started now (Temporal unreachable, the worker dying) is still in the
   * outbox: the worker's 30-second pass starts it.
   */
  inTransaction<T>(work: (em: EntityManager) => Promise<{ value: T; queued: readonly string[] }>): Promise<T>;
}

/**
 * Queues notifications inside the caller's transaction without putting what caused them at risk: a
 * failure of the queuing itself (a bug, a database that differs from every one tested) is rolled
 * back to a savepoint and logged, and the row the caller writes (a run's closing) still commits.
 * A transient failure fails the caller's statement too, so its activity is retried whole.
 */
export async function queueSafely(
  em: EntityManager,
  what: string,
  queue: () => Promise<readonly string[]>,
): Promise<readonly string[]> {
  await em.execute('SAVEPOINT behflow_notifications');
  try {
    const queued = await queue();
    await em.execute('RELEASE SAVEPOINT behflow_notifications');
    return queued;
  } catch (err) {
    await em.execute('ROLLBACK TO SAVEPOINT behflow_notifications');
    const error = err instanceof Error ? err.message : String(err);
    if (inActivity()) log.error(`Queuing the notifications of ${what} failed`, { error });
    else console.error(`Queuing the notifications of ${what} failed: ${error}`);
    return [];
  }
}

function inActivity(): boolean {
  try {
    Context.current();
    return true;
  } catch {
    return false;
  }
}

export function createNotifier(deps: Pick<ActivityDeps, 'orm' | 'temporal' | 'notifications'>): Notifier {
  const links = deps.notifications ?? DEFAULT_LINKS;
  return {
    links,
    async inTransaction(work) {
      const { value, queued } = await deps.orm.em.fork().transactional(work);
      const { temporal, notifications } = deps;
      if (!temporal || !notifications) return value;
      for (const deliveryId of queued) {
        try {
          await startDelivery(temporal, notifications.taskQueue, deliveryId);
        } catch (err) {
          log.warn("Notification queued; the worker's pass will start its delivery", {
            deliveryId,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      return value;
    },
  };
}
