import type { EntityManager } from '@mikro-orm/postgresql';
import type { SharedConfig as Config } from '../../../config';
import type { ProcessDefinition } from '../../../processes/definition';
import { formatIsoWithOffset } from '../../../time';
import { processZone } from '../../../config/schedule';
import type { NominalTimePage, NominalTimesQuery } from '../../schemas/nominal-times';
import { decodeCursor, encodeCursor, isBigserialId, isMicrosTimestampOrEmpty } from './cursor';
import { findHistorySubject } from './executions';

interface NominalRow {
  id: string;
  nominal_ms: number;
  nominal_key: string;
  local_date: string;
  trigger: string;
  outcome: 'ran' | 'skipped' | 'missed';
  execution_id: string | null;
  reason: string | null;
  workflow_id: string;
  recorded_at: string;
  timezone: string | null;
}

/**
 * GET /processes/:name/nominal-times: what became of each of the process's scheduled and backfilled
 * times (automated_process_nominal_times), newest first, keyset-paginated.
 */
export async function listNominalTimes(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  config: Config,
  name: string,
  query: NominalTimesQuery,
): Promise<NominalTimePage> {
  const after =
    query.cursor === undefined ? undefined : decodeCursor(query.cursor, [isMicrosTimestampOrEmpty, isBigserialId]);
  const subject = await findHistorySubject(em, registry, name);
  const where = [`n.process_id IN (${subject.processIds.map(() => '?').join(', ')})`];
  const params: unknown[] = [...subject.processIds];
  if (query.outcome !== undefined) {
    where.push('n.outcome = ?');
    params.push(query.outcome);
  }
  if (after) {
    where.push('(n.nominal_time < ?::timestamptz OR (n.nominal_time = ?::timestamptz AND n.id < ?))');
    params.push(after[0], after[0], after[1]);
  }
  const limit = query.limit ?? 20;
  params.push(limit + 1);
  const rows = await em.getConnection().execute<NominalRow[]>(
    `SELECT n.id, (extract(epoch FROM n.nominal_time) * 1000)::float8 AS nominal_ms,
            to_char(n.nominal_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS nominal_key,
            n.local_date::text AS local_date, n.trigger, n.outcome, n.execution_id, n.reason, n.workflow_id,
            to_char(n.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS recorded_at,
            p.schedule_config ->> 'timezone' AS timezone
       FROM automated_process_nominal_times n JOIN automated_processes p ON p.process_id = n.process_id
      WHERE ${where.join(' AND ')}
      ORDER BY n.nominal_time DESC, n.id DESC
      LIMIT ?`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      nominal_time: formatInZone(row, config.timezone),
      local_date: row.local_date,
      trigger: row.trigger,
      outcome: row.outcome,
      execution_id: row.execution_id,
      reason: row.reason,
      workflow_id: row.workflow_id,
      recorded_at: row.recorded_at,
    })),
    next_cursor: rows.length > limit && last ? encodeCursor([last.nominal_key, String(last.id)]) : null,
  };
}

/** In the process zone; in UTC when the stored zone is broken (the row still shows). */
function formatInZone(row: NominalRow, defaultZone: string): string {
  try {
    return formatIsoWithOffset(processZone({ timezone: row.timezone }, defaultZone), Number(row.nominal_ms));
  } catch {
    return new Date(Number(row.nominal_ms)).toISOString();
  }
}
