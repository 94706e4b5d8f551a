import { Context } from '@temporalio/activity';
import type { Orm } from '../db/orm';
import { readInteger, readObject, readUserIds, rejectUnknownKeys } from '../processes/config-error';
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
    /** Tags tasks completed before the cutoff day as archived, once, in committed batches. */
    async archiveCompletedTasks(run: RunContext): Promise<ProcessResult> {
      const config = failOnBadConfig(() => parseArchiveConfig(run.processConfig));
      // "More than N days ago" counts calendar days in the process zone.
      const cutoff = new Date(startOfDay(run.timezone, addDays(parseLocalDate(run.day), -config.olderThanDays)));
      const ctx = Context.current();
      let archived = (ctx.info.heartbeatDetails as { archived?: number } | undefined)?.archived ?? 0;
      for (;;) {
        throwIfCancelled(ctx);
        const n = await archiveBatch(orm, cutoff, config, batchSize);
        if (n === 0) break;
        archived += n;
        ctx.heartbeat({ archived });
      }
      return {
        success: true,
        tasks_archived: archived,
        older_than_days: config.olderThanDays,
        cutoff: formatIsoWithOffset(run.timezone, cutoff.getTime()),
        execution_time: formatIsoWithOffset(run.timezone, Date.parse(run.logicalTime)),
      };
    },
  };
}

async function archiveBatch(orm: Orm, cutoff: Date, config: ArchiveConfig, batchSize: number): Promise<number> {
  const filter = `status = 'completed' AND completed_at < ?::timestamptz
    AND NOT (coalesce(tags, '{}') @> ARRAY[?]::text[])${config.userIds ? ' AND user_id = ANY(?::uuid[])' : ''}`;
  const params: unknown[] = [cutoff.toISOString(), ARCHIVED_TAG, ...(config.userIds ? [pgArray(config.userIds)] : [])];
  const rows = await orm.em.getConnection().execute<{ n: string }[]>(
    `WITH batch AS (
       SELECT task_id FROM tasks WHERE ${filter} ORDER BY completed_at, task_id LIMIT ? FOR UPDATE
     ), tagged AS (
       UPDATE tasks t SET tags = array_append(coalesce(t.tags, '{}'), ?), updated_at = now()
         FROM batch WHERE t.task_id = batch.task_id AND NOT (coalesce(t.tags, '{}') @> ARRAY[?]::text[])
       RETURNING 1
     )
     SELECT count(*) AS n FROM tagged`,
    [...params, batchSize, ARCHIVED_TAG, ARCHIVED_TAG],
  );
  return Number(rows[0]?.n ?? 0);
}
