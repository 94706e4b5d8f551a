import { Context } from '@temporalio/activity';
import type { Orm } from '../db/orm';
import { readInteger, readObject, readUserIds, rejectUnknownKeys } from '../config/process-config';
import { addDays, formatIsoWithOffset, parseLocalDate, startOfDay } from '../time';
import { failOnBadConfig, throwIfCancelled } from './activity-helpers';
import type { ActivityDeps } from './deps';
import type { ProcessResult, RunContext } from './run-types';
import { pgArray } from './sql';

/** Behflow's schema has no archived status and we do not change its enum types: a tag marks it. */
export const ARCHIVED_TAG = 'archived';

export interface ArchiveConfig {
  readonly olderThanDays: number;
  readonly userIds: readonly string[] | null;
}

export function parseArchiveConfig(raw: unknown): ArchiveConfig {
  const config = readObject(raw, 'process_config');
  rejectUnknownKeys(config, 'process_config', ['older_than_days', 'user_ids']);
  return {
    olderThanDays: readInteger(config.older_than_days, 'process_config.older_than_days', 30, 1, 3650),
    userIds: readUserIds(config.user_ids, 'process_config.user_ids'),
  };
}

export function createArchiveActivities({ orm, batchSize }: ActivityDeps) {
  return {
    /**
     * Tags tasks completed before the cutoff day as archived, once, in committed batches that walk
     * the primary key. Safe to retry: tagged tasks no longer match, and the count comes from the audit.
     */
    async archiveCompletedTasks(run: RunContext): Promise<ProcessResult> {
      const config = failOnBadConfig(() => parseArchiveConfig(run.processConfig));
      const cutoff = archiveCutoff(run, config);
      const ctx = Context.current();
      let after = (ctx.info.heartbeatDetails as { after?: string | null } | undefined)?.after ?? null;
      for (;;) {
        throwIfCancelled(ctx);
        const batch = await archiveBatch(orm, run.executionId, cutoff, config, batchSize, after);
        if (batch.last === null) break;
        after = batch.last;
        ctx.heartbeat({ after });
      }
      return {
        success: true,
        tasks_archived: await countArchived(orm, run.executionId),
        older_than_days: config.olderThanDays,
        cutoff: formatIsoWithOffset(run.timezone, cutoff.getTime()),
        execution_time: formatIsoWithOffset(run.timezone, Date.parse(run.logicalTime)),
      };
    },
  };
}

/** "More than N days ago" counts calendar days in the process zone: the start of the run's day minus N. */
export function archiveCutoff(run: Pick<RunContext, 'timezone' | 'day'>, config: ArchiveConfig): Date {
  return new Date(startOfDay(run.timezone, addDays(parseLocalDate(run.day), -config.olderThanDays)));
}

/**
 * The tasks a run tags: the one predicate its batches and the preview use. Untyped tag parameters
 * take the column's element type: text[], or create_all's varchar[].
 */
export function archivableFilter(cutoff: Date, config: ArchiveConfig): { sql: string; params: unknown[] } {
  return {
    sql: `status = 'completed' AND completed_at < ?::timestamptz
    AND NOT (? = ANY(coalesce(tags, '{}')))${config.userIds ? ' AND user_id = ANY(?::uuid[])' : ''}`,
    params: [cutoff.toISOString(), ARCHIVED_TAG, ...(config.userIds ? [pgArray(config.userIds)] : [])],
  };
}

/** Tags the next batch after task id `after`; returns the last id it looked at (null: none left). */
async function archiveBatch(
  orm: Orm,
  executionId: string,
  cutoff: Date,
  config: ArchiveConfig,
  batchSize: number,
  after: string | null,
): Promise<{ last: string | null }> {
  const { sql: filter, params } = archivableFilter(cutoff, config);
  const rows = await orm.em.getConnection().execute<{ last: string | null }[]>(
    `WITH batch AS (
       SELECT task_id FROM tasks WHERE ${filter} ${after ? 'AND task_id > ?::uuid' : ''}
        ORDER BY task_id LIMIT ? FOR UPDATE
     ), tagged AS (
       UPDATE tasks t SET tags = array_append(coalesce(t.tags, '{}'), ?), updated_at = now()
         FROM batch WHERE t.task_id = batch.task_id AND NOT (? = ANY(coalesce(t.tags, '{}')))
       RETURNING t.task_id
     ), audited AS (
       INSERT INTO automated_process_task_archives (execution_id, task_id)
       SELECT ?, task_id FROM tagged
     )
     SELECT (SELECT task_id FROM batch ORDER BY task_id DESC LIMIT 1) AS last`,
    [...params, ...(after ? [after] : []), batchSize, ARCHIVED_TAG, ARCHIVED_TAG, executionId],
  );
  return { last: rows[0]?.last ?? null };
}

async function countArchived(orm: Orm, executionId: string): Promise<number> {
  const rows = await orm.em
    .getConnection()
    .execute<{ n: string }[]>(`SELECT count(*) AS n FROM automated_process_task_archives WHERE execution_id = ?`, [
      executionId,
    ]);
  return Number(rows[0]?.n ?? 0);
}
