import type { EntityManager } from '@mikro-orm/postgresql';
import { closedAtSql } from './closed-rows';

/** Nominal times the day ledger (automated_process_nominal_times) recorded as skipped or missed. */
export interface NominalTimeGroup {
  readonly process: string;
  readonly outcome: 'skipped' | 'missed';
  readonly count: number;
}

export interface NominalTimeRow extends NominalTimeGroup {
  readonly id: string;
  readonly closedAt: string;
}

const FROM = `FROM automated_process_nominal_times n JOIN automated_processes p ON p.process_id = n.process_id
             WHERE n.outcome IN ('skipped', 'missed')`;

/** Those recorded before `floor`, by process and outcome: read once, at the first scrape. */
export async function nominalTimesBefore(em: EntityManager, floor: string): Promise<NominalTimeGroup[]> {
  const rows = await em.execute<{ process: string; outcome: NominalTimeGroup['outcome']; count: string }[]>(
    `SELECT p.name AS process, n.outcome, count(*) AS count ${FROM} AND n.recorded_at < ?::timestamptz
      GROUP BY 1, 2`,
    [floor],
  );
  return rows.map((row) => ({ ...row, count: Number(row.count) }));
}

/** Those recorded at or after `from`, one by one (behflow_processes_nominal_times_recorded finds them). */
export async function nominalTimesSince(em: EntityManager, from: string): Promise<NominalTimeRow[]> {
  const rows = await em.execute<
    { id: string; closed_at: string; process: string; outcome: NominalTimeGroup['outcome'] }[]
  >(
    `SELECT n.id::text AS id, ${closedAtSql('n.recorded_at')} AS closed_at, p.name AS process, n.outcome
       ${FROM} AND n.recorded_at >= ?::timestamptz`,
    [from],
  );
  return rows.map((row) => ({
    id: row.id,
    closedAt: row.closed_at,
    process: row.process,
    outcome: row.outcome,
    count: 1,
  }));
}
