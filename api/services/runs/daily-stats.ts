import type { EntityManager } from '@mikro-orm/postgresql';
import { MOVED_SQL } from '../../../activities/notifications/run-events';
import { addDays, formatLocalDate } from '../../../time/local-date';
import { startOfDay } from '../../../time/wall-time';
import { localDateAt } from '../../../time/zone-offset';

/** The windows the process page's chart offers. */
export const STATS_WINDOWS = [30, 90] as const;
export type StatsWindow = (typeof STATS_WINDOWS)[number];

/** One local day that had runs: how many, how many tasks they moved, and how long they took. */
export interface DailyStat {
  /** YYYY-MM-DD in the process zone. */
  readonly day: string;
  readonly runs: number;
  readonly failed: number;
  /** Tasks rescheduled or archived, from each run's result (0 for a run without counts). */
  readonly moved: number;
  /** Of the runs that finished (completed_at set); null when none did. */
  readonly avgDurationMs: number | null;
  readonly maxDurationMs: number | null;
}

export interface DailyStats {
  readonly zone: string;
  /** Every local day of the window, oldest first, today last. */
  readonly days: readonly string[];
  /** Only the days that had runs, oldest first. */
  readonly stats: readonly DailyStat[];
}

interface StatRow {
  day: string;
  runs: number;
  failed: number;
  moved: string | number;
  avg_duration_ms: string | number | null;
  max_duration_ms: string | number | null;
}

const DURATION_MS = `extract(epoch FROM completed_at - started_at) * 1000`;

/** A process's runs grouped by local day in `zone`, for those that started in [fromMs, toMs). */
async function statsBetween(
  em: EntityManager,
  name: string,
  zone: string,
  fromMs: number,
  toMs: number,
): Promise<DailyStat[]> {
  const rows = await em.getConnection().execute<StatRow[]>(
    `SELECT to_char(started_at AT TIME ZONE ?, 'YYYY-MM-DD') AS day,
            count(*)::int AS runs,
            (count(*) FILTER (WHERE status = 'failed'))::int AS failed,
            coalesce(sum(${MOVED_SQL}), 0) AS moved,
            round(avg(${DURATION_MS}) FILTER (WHERE completed_at IS NOT NULL)) AS avg_duration_ms,
            round(max(${DURATION_MS}) FILTER (WHERE completed_at IS NOT NULL)) AS max_duration_ms
       FROM automated_process_executions
      WHERE process_id = (SELECT process_id FROM automated_processes WHERE name = ?)
        AND started_at >= ?::timestamptz AND started_at < ?::timestamptz
      GROUP BY 1
      ORDER BY 1`,
    [zone, name, new Date(fromMs).toISOString(), new Date(toMs).toISOString()],
  );
  const nullable = (value: string | number | null) => (value === null ? null : Number(value));
  return rows.map((row) => ({
    day: row.day,
    runs: row.runs,
    failed: row.failed,
    moved: Number(row.moved),
    avgDurationMs: nullable(row.avg_duration_ms),
    maxDurationMs: nullable(row.max_duration_ms),
  }));
}

/** The days before today of a window, as statsBetween reads them; a cache may keep them a while. */
export type PastDays = (name: string, zone: string, fromMs: number, toMs: number) => Promise<DailyStat[]>;

/**
 * The process's runs per local day in its zone over the last `days` days, today included: one query
 * for today, and one for the days before unless `pastDays` (dailyStatsCache) still has them.
 */
export async function dailyStats(
  em: EntityManager,
  name: string,
  zone: string,
  days: StatsWindow,
  now: number = Date.now(),
  pastDays: PastDays = (...args) => statsBetween(em, ...args),
): Promise<DailyStats> {
  const today = localDateAt(zone, now);
  const first = addDays(today, -(days - 1));
  const window = Array.from({ length: days }, (_, i) => formatLocalDate(addDays(first, i)));
  const todayStarts = startOfDay(zone, today);
  const [before, todays] = await Promise.all([
    pastDays(name, zone, startOfDay(zone, first), todayStarts),
    statsBetween(em, name, zone, todayStarts, startOfDay(zone, addDays(today, 1))),
  ]);
  return { zone, days: window, stats: [...before, ...todays] };
}

/** How long the console keeps the days before today of a chart: their runs rarely change once past. */
export const PAST_DAYS_TTL_MS = 60_000;
const MAX_CACHED_WINDOWS = 500;

/**
 * The days before today, kept for PAST_DAYS_TTL_MS per process, zone and window. At a million runs,
 * reading 30 or 90 days of them took 130–800 ms (every row's result read from the table) and the
 * chart's past days change only when a late run of theirs closes; today is always read fresh.
 */
export function dailyStatsCache(em: () => EntityManager, now: () => number = Date.now): PastDays {
  const cached = new Map<string, { readonly expires: number; readonly stats: Promise<DailyStat[]> }>();
  return (name, zone, fromMs, toMs) => {
    const key = JSON.stringify([name, zone, fromMs, toMs]);
    const hit = cached.get(key);
    if (hit && hit.expires > now()) return hit.stats;
    const stats = statsBetween(em(), name, zone, fromMs, toMs);
    cached.delete(key);
    if (cached.size >= MAX_CACHED_WINDOWS) cached.delete(cached.keys().next().value!);
    cached.set(key, { expires: now() + PAST_DAYS_TTL_MS, stats });
    // A failed read is not kept.
    stats.catch(() => cached.delete(key));
    return stats;
  };
}
