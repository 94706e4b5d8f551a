import type { Client } from 'pg';

export interface SeedSpec {
  /** Tasks the reschedule run must move. */
  readonly overdue: number;
  /** Tasks it must leave alone: as many again, in the same table and the same index ranges. */
  readonly notOverdue: number;
  readonly users: number;
  /** Start of the run's day in the process zone (epoch ms): overdue means due before it. */
  readonly dayStartMs: number;
}

const DAY_SECONDS = 86_400;

/**
 * Seeds the tasks of one throughput measurement in one set-based statement (no row goes through
 * Node). Deterministic: the same spec always gives the same rows, so sizes compare like with like.
 *
 * Row i of 1..(overdue + notOverdue), odd and even interleaved, so that the tasks to move are
 * scattered over the whole heap as in a real table rather than packed at its start:
 * - overdue: pending (3 in 4) or in_progress, due 1 to 60 days before the day;
 * - not overdue, by thirds: pending and due 2 to 61 days after it; completed, or cancelled, and due
 *   in the same past range as the overdue ones (what a real table is mostly made of, and what the
 *   UPDATE's filter must skip).
 * Times of day are spread over all 86,400 seconds (a multiplier coprime with 86,400), so every zone's
 * wall times occur, including the :30 and :45 offsets, and every segment of the CASE is exercised.
 */
export async function seedTasks(client: Client, spec: SeedSpec): Promise<void> {
  const pairs = Math.max(spec.overdue, spec.notOverdue);
  await client.query(
    `INSERT INTO tasks (user_id, name, due_date_gregorian, due_date_jalali, date_added_jalali, status, completed_at)
     SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(k % $3), 12, '0'))::uuid,
            'bench task ' || i,
            due,
            '1404-08-' || lpad((1 + k % 28)::text, 2, '0') || 'T' || to_char(time '00:00' + make_interval(secs => sod), 'HH24:MI:SS'),
            '1404-01-01T00:00:00',
            status::status_enum,
            CASE WHEN status = 'completed' THEN due END
       FROM generate_series(1, 2 * $1::int) AS i,
            LATERAL (SELECT (i + 1) / 2 AS k, i % 2 = 1 AS is_overdue, (i::bigint * 7919) % ${DAY_SECONDS} AS sod) r,
            LATERAL (SELECT
              CASE WHEN is_overdue OR k % 3 <> 0
                   THEN to_timestamp($4::float8 / 1000) - make_interval(secs => ${DAY_SECONDS} * (1 + k % 60)) + make_interval(secs => sod)
                   ELSE to_timestamp($4::float8 / 1000) + make_interval(secs => ${DAY_SECONDS} * (2 + k % 60)) + make_interval(secs => sod)
              END AS due,
              CASE WHEN is_overdue THEN CASE WHEN k % 4 = 0 THEN 'in_progress' ELSE 'pending' END
                   WHEN k % 3 = 0 THEN 'pending'
                   WHEN k % 3 = 1 THEN 'completed'
                   ELSE 'cancelled'
              END AS status) d
      WHERE (is_overdue AND k <= $1) OR (NOT is_overdue AND k <= $2)`,
    [pairs, spec.notOverdue, spec.users, spec.dayStartMs],
  );
  // Clones copy the files, statistics and visibility map included: every measurement starts from a
  // vacuumed, analysed table, as a production table that autovacuum keeps up with would be.
  await client.query('VACUUM (ANALYZE) tasks');
  const { rows } = await client.query<{ overdue: string }>(
    `SELECT count(*) AS overdue FROM tasks
      WHERE status IN ('pending', 'in_progress') AND due_date_gregorian < to_timestamp($1::float8 / 1000)`,
    [spec.dayStartMs],
  );
  const found = Number(rows[0]?.overdue ?? -1);
  if (found !== spec.overdue) throw new Error(`seeding made ${found} overdue tasks, not ${spec.overdue}`);
}
