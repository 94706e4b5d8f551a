import type { EntityManager } from '@mikro-orm/postgresql';

/** A batch a run committed: when, and how many tasks it moved (or tagged). */
export interface CommittedBatch {
  /** The batch's commit time (its transaction's now()), ISO-8601 UTC. */
  readonly at: string;
  readonly tasks: number;
}

/** More batches than a page can show usefully; the rest are counted, not listed. */
export const MAX_LISTED_BATCHES = 200;

export interface BatchTimeline {
  /** The first MAX_LISTED_BATCHES batches, in commit order. */
  readonly batches: readonly CommittedBatch[];
  /** Every batch that wrote an audit row, listed or not. */
  readonly batchCount: number;
  /** Every audit row of the run: tasks moved (reschedule) or tagged (archive) so far. */
  readonly tasks: number;
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A run's batches from its audit, the one record of them that survives the run: each batch is one
 * statement that moves its tasks and writes their audit rows in one commit, and the rows' moved_at
 * (archived_at) default is that transaction's now(), so one distinct time is one batch. A batch that
 * moved nothing leaves no row and is not shown. One query over both audit tables.
 */
export async function readBatchTimeline(em: EntityManager, executionId: string): Promise<BatchTimeline> {
  const rows = await em.getConnection().execute<{ at: string; tasks: string; batch_count: string; total: string }[]>(
    `WITH batches AS (
       SELECT moved_at AS at, count(*) AS tasks FROM automated_process_task_moves
        WHERE execution_id = ? GROUP BY moved_at
       UNION ALL
       SELECT archived_at, count(*) FROM automated_process_task_archives
        WHERE execution_id = ? GROUP BY archived_at
     ), numbered AS (
       SELECT at, tasks, count(*) OVER () AS batch_count, sum(tasks) OVER () AS total,
              row_number() OVER (ORDER BY at) AS n
         FROM batches
     )
     SELECT ${iso('at')} AS at, tasks, batch_count, total FROM numbered WHERE n <= ? ORDER BY at`,
    [executionId, executionId, MAX_LISTED_BATCHES],
  );
  const first = rows[0];
  return {
    batches: rows.map((r) => ({ at: r.at, tasks: Number(r.tasks) })),
    batchCount: Number(first?.batch_count ?? 0),
    tasks: Number(first?.total ?? 0),
  };
}

/** The zone of the execution's process schedule (its times are shown in it); null when it has none. */
export async function executionZone(em: EntityManager, executionId: string): Promise<string | null> {
  const [row] = await em.getConnection().execute<{ zone: string | null }[]>(
    `SELECT p.schedule_config->>'timezone' AS zone
       FROM automated_process_executions e JOIN automated_processes p ON p.process_id = e.process_id
      WHERE e.execution_id = ?`,
    [executionId],
  );
  return row?.zone ?? null;
}
