import type { RunContext } from '../../activities/run-types';
import type { Orm } from '../../db/orm';
import { sql } from './database';

/** What the concurrency-limit tests share: the work that counts runs at once, and the rows' intervals. */

/** No row running or waiting. */
export async function allClosed(orm: Orm): Promise<true | undefined> {
  const [row] = await sql<{ n: string }>(
    orm,
    `SELECT count(*) AS n FROM automated_process_executions WHERE status IN ('running', 'pending')`,
  );
  return Number(row?.n) === 0 ? true : undefined;
}

/**
 * The reschedule work replaced by one that takes `ms` and counts how many run at once: in all, and
 * per event user. The counts are taken inside the work, so they can only be lower than the rows'.
 */
export function countingWork(ms: number) {
  let now = 0;
  let most = 0;
  const perUser = new Map<string, number>();
  let mostForOneUser = 0;
  let calls = 0;
  const activity = async (run: RunContext) => {
    calls++;
    const user = String(run.event?.data.user_id ?? '');
    now++;
    most = Math.max(most, now);
    const mine = (perUser.get(user) ?? 0) + 1;
    perUser.set(user, mine);
    mostForOneUser = Math.max(mostForOneUser, mine);
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
    } finally {
      now--;
      perUser.set(user, perUser.get(user)! - 1);
    }
    return { success: true as const, execution_time: run.logicalTime, tasks_found: 0, tasks_rescheduled: 0 };
  };
  return { activity, stats: () => ({ most, mostForOneUser, calls }) };
}

export interface RunRow {
  execution_id: string;
  process: string;
  status: string;
  event_id: string | null;
  key: string | null;
  started: number;
  completed: number;
  queued: boolean;
}

/** The execution rows of these processes, with their intervals in epoch ms. */
export async function runRows(orm: Orm, processNames: readonly string[]): Promise<RunRow[]> {
  return sql<RunRow>(
    orm,
    `SELECT e.execution_id, p.name AS process, e.status::text AS status, e.event_id, e.concurrency_key AS key,
            extract(epoch FROM e.started_at) * 1000 AS started, extract(epoch FROM e.completed_at) * 1000 AS completed,
            e.queued_at IS NOT NULL AS queued
       FROM automated_process_executions e JOIN automated_processes p USING (process_id)
      WHERE p.name = ANY(?::text[])`,
    [`{${processNames.join(',')}}`],
  );
}

/** The most rows whose [started, completed) intervals overlap at one instant. */
export function mostAtOnce(rows: readonly RunRow[]): number {
  const edges = rows.flatMap((r) => [
    [Number(r.started), 1],
    [Number(r.completed), -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) {
    now += step!;
    most = Math.max(most, now);
  }
  return most;
}
