import { derivedUuid } from '../derived-uuid';
import type { EntityManager } from '@mikro-orm/postgresql';

/** A chained run to start: one per (downstream process, upstream execution), by its outbox row. */
export interface ChainStart {
  readonly upstream_execution_id: string;
  readonly downstream_process_id: string;
  readonly execution_id: string;
  readonly workflow_id: string;
}

/**
 * The chained run's ids, derived from the pair: however often the upstream's closing (or the
 * worker's pass) asks, it is one workflow and one execution row. The workflow id follows
 * temporal/ids.ts's scheme ("<task queue>:<process>-chain-<upstream execution id>").
 */
export function chainIds(
  taskQueue: string,
  downstream: { readonly processId: string; readonly name: string },
  upstreamExecutionId: string,
): { readonly executionId: string; readonly workflowId: string } {
  const executionId = derivedUuid(`chain|${downstream.processId}|${upstreamExecutionId}`);
  return { executionId, workflowId: `${taskQueue}:${downstream.name}-chain-${upstreamExecutionId}` };
}

/**
 * In the transaction that closes the upstream's row: an outbox row for each live process whose
 * `after` names the upstream with this ending ('completed', 'failed', or 'any'). Committed with the
 * closing, so the start cannot be lost; returns the rows added (none when the closing is retried).
 */
export async function queueChainStarts(
  em: EntityManager,
  taskQueue: string,
  upstream: { readonly executionId: string; readonly processId: string; readonly ending: 'completed' | 'failed' },
): Promise<ChainStart[]> {
  const downstreams = await em.execute<{ process_id: string; name: string }[]>(
    `SELECT p.process_id, p.name
       FROM automated_process_registrations r
       JOIN automated_processes p USING (process_id)
       JOIN automated_processes u ON u.process_id = ?
      WHERE r.deleted_at IS NULL AND p.is_enabled
        AND jsonb_typeof(r.chain_after) = 'array'
        AND EXISTS (SELECT 1 FROM jsonb_array_elements(r.chain_after) a
                     WHERE a->>'process' = u.name AND a->>'on' IN (?, 'any'))`,
    [upstream.processId, upstream.ending],
  );
  const queued: ChainStart[] = [];
  for (const downstream of downstreams) {
    const ids = chainIds(taskQueue, { processId: downstream.process_id, name: downstream.name }, upstream.executionId);
    const rows = await em.execute<ChainStart[]>(
      `INSERT INTO automated_process_chain_starts
         (upstream_execution_id, downstream_process_id, execution_id, workflow_id)
       VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING
       RETURNING upstream_execution_id, downstream_process_id, execution_id, workflow_id`,
      [upstream.executionId, downstream.process_id, ids.executionId, ids.workflowId],
    );
    queued.push(...rows);
  }
  return queued;
}
