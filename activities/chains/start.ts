import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Orm } from '../../db/orm';
import { PROCESS_SEARCH_ATTRIBUTE } from '../../platform/search-attributes';
import type { ChainStart } from './queue';

const PROCESS_KEY = defineSearchAttributeKey(PROCESS_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

/** What starting a chained run needs beyond the database: Temporal, and where each implementation's workflow runs. */
export interface ChainSettings {
  readonly taskQueue: string;
  /** The workflow type of a registered implementation, or undefined for one this worker does not know. */
  readonly workflowTypeOf: (implementation: string) => string | undefined;
}

/** The chained runs of this upstream execution that are queued and not started yet (all of them when absent). */
export async function pendingChainStarts(
  orm: Orm,
  filter: { readonly upstreamExecutionId: string } | { readonly olderThanSeconds: number },
  limit = 500,
): Promise<ChainStart[]> {
  const [where, params] =
    'upstreamExecutionId' in filter
      ? ['upstream_execution_id = ?', [filter.upstreamExecutionId]]
      : ['created_at < now() - make_interval(secs => ?)', [filter.olderThanSeconds]];
  return orm.em.fork().execute<ChainStart[]>(
    `SELECT upstream_execution_id, downstream_process_id, execution_id, workflow_id
       FROM automated_process_chain_starts WHERE started_at IS NULL AND ${where}
      ORDER BY created_at LIMIT ${limit}`,
    params,
  );
}

/**
 * Starts the chained run (trigger 'chain', caused_by the upstream, for the upstream's logical time)
 * and marks its outbox row started. Its workflow id is the pair's: one already started (by an earlier
 * attempt, or the worker's pass) is left as it is. A downstream deleted or disabled since is not started.
 * Returns whether a run was started (or found started).
 */
export async function startChained(
  orm: Orm,
  client: Client,
  settings: ChainSettings,
  start: ChainStart,
): Promise<boolean> {
  const em = orm.em.fork();
  const [row] = await em.execute<
    { name: string; implementation: string; live: boolean; logical_time: Date | null; completed_at: Date | null }[]
  >(
    `SELECT p.name, r.implementation, (r.deleted_at IS NULL AND p.is_enabled) AS live, u.logical_time, u.completed_at
       FROM automated_processes p JOIN automated_process_registrations r USING (process_id)
       LEFT JOIN automated_process_executions u ON u.execution_id = ?
      WHERE p.process_id = ?`,
    [start.upstream_execution_id, start.downstream_process_id],
  );
  const workflowType = row && settings.workflowTypeOf(row.implementation);
  let started = false;
  if (row?.live && workflowType) {
    const logicalTime = new Date(row.logical_time ?? row.completed_at ?? Date.now()).toISOString();
    try {
      await client.workflow.start(workflowType, {
        taskQueue: settings.taskQueue,
        workflowId: start.workflow_id,
        args: [
          {
            processName: row.name,
            trigger: 'chain',
            logicalTime,
            executionId: start.execution_id,
            causedBy: start.upstream_execution_id,
          },
        ],
        typedSearchAttributes: [{ key: PROCESS_KEY, value: row.name }],
        memo: { process: row.name, caused_by: start.upstream_execution_id },
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    started = true;
  }
  await em.execute(
    `UPDATE automated_process_chain_starts SET started_at = now()
      WHERE upstream_execution_id = ? AND downstream_process_id = ? AND started_at IS NULL`,
    [start.upstream_execution_id, start.downstream_process_id],
  );
  return started;
}
