import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm';
import type { Placement } from './admission';
import { queueSafely, type Notifier } from './notifications/notifier';
import { enqueueNotifications } from './notifications/outbox';
import type { RunTriggerName } from './run-types';

/** What became of one nominal time of a scheduled process (automated_process_nominal_times). */
export type NominalOutcome = 'ran' | 'skipped' | 'missed';

export interface NominalEntry {
  readonly processId: string;
  /** ISO instant. */
  readonly nominalTime: string;
  /** YYYY-MM-DD in the process zone. */
  readonly localDate: string;
  readonly trigger: RunTriggerName;
  readonly outcome: Exclude<NominalOutcome, 'ran'>;
  /** The run that covered the day, or was in progress. */
  readonly executionId: string | null;
  readonly reason: string;
  readonly workflowId: string;
}

export interface DayClaim {
  readonly executionId: string;
  readonly trigger: string;
  readonly nominalTime: string;
}

/**
 * Records a skipped or missed nominal time; recording it again from the same workflow (a retried
 * activity, a run that waited and looked again) keeps one row with the latest reason. The first
 * recording of a scheduled time queues its skipped / missed notifications in the same transaction.
 */
export async function recordNominal(orm: Orm, entry: NominalEntry, notifier?: Notifier): Promise<void> {
  const record = async (em: EntityManager) => {
    const [row] = await em.execute<{ inserted: boolean }[]>(
      `INSERT INTO automated_process_nominal_times
         (process_id, nominal_time, local_date, trigger, outcome, execution_id, reason, workflow_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT ON CONSTRAINT automated_process_nominal_times_once
         DO UPDATE SET reason = EXCLUDED.reason, execution_id = EXCLUDED.execution_id, recorded_at = now()
       RETURNING (xmax = 0) AS inserted`,
      [
        entry.processId,
        entry.nominalTime,
        entry.localDate,
        entry.trigger,
        entry.outcome,
        entry.executionId,
        entry.reason,
        entry.workflowId,
      ],
    );
    return row?.inserted === true;
  };
  if (!notifier) {
    await record(orm.em.fork());
    return;
  }
  await notifier.inTransaction(async (em) => {
    const first = await record(em);
    // Only the schedule's own times: a backfill is an operator's request, answered by its API call.
    if (!first || entry.trigger !== 'schedule') return { value: undefined, queued: [] };
    const queued = await queueSafely(em, `the ${entry.outcome} time ${entry.nominalTime}`, () =>
      enqueueNotifications(em, notifier.links, {
        processId: entry.processId,
        event: entry.outcome,
        subject: entry.nominalTime,
        executionId: entry.executionId,
        details: { nominal: { time: entry.nominalTime, local_date: entry.localDate, reason: entry.reason } },
      }),
    );
    return { value: undefined, queued };
  });
}

/** The run holding a process's claim on a local date, if any. */
export async function dayClaim(orm: Orm, processId: string, localDate: string): Promise<DayClaim | undefined> {
  const [row] = await orm.em.getConnection().execute<{ execution_id: string; trigger: string; nominal: string }[]>(
    `SELECT execution_id, trigger, to_char(nominal_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS nominal
       FROM automated_process_nominal_times
      WHERE process_id = ? AND local_date = ? AND outcome = 'ran'`,
    [processId, localDate],
  );
  return row ? { executionId: row.execution_id, trigger: row.trigger, nominalTime: row.nominal } : undefined;
}

/** Which of these instants (epoch ms) the ledger already has any row for. */
export async function ledgeredTimes(orm: Orm, processId: string, times: readonly number[]): Promise<Set<number>> {
  if (times.length === 0) return new Set();
  const rows = await orm.em.getConnection().execute<{ ms: number }[]>(
    `SELECT DISTINCT (extract(epoch FROM nominal_time) * 1000)::float8 AS ms FROM automated_process_nominal_times
        WHERE process_id = ? AND nominal_time = ANY(?::timestamptz[])`,
    [processId, `{${times.map((t) => new Date(t).toISOString()).join(',')}}`],
  );
  return new Set(rows.map((r) => Number(r.ms)));
}

/** The latest nominal time (epoch ms) the ledger has for a process before `beforeMs`, if any. */
export async function lastLedgeredBefore(orm: Orm, processId: string, beforeMs: number): Promise<number | undefined> {
  const [row] = await orm.em.getConnection().execute<{ ms: number | null }[]>(
    `SELECT (extract(epoch FROM max(nominal_time)) * 1000)::float8 AS ms FROM automated_process_nominal_times
        WHERE process_id = ? AND nominal_time < ?`,
    [processId, new Date(beforeMs).toISOString()],
  );
  return row?.ms === null || row?.ms === undefined ? undefined : Number(row.ms);
}

/**
 * Claims the day and opens the run's row in one statement, so neither exists without the other.
 * Returns 'claimed' (also when this execution claimed it before: a retry), 'taken' when another run
 * holds the day; a run of the process in progress makes the statement fail with the one-running
 * index's unique violation, as opening a row does.
 */
export async function claimDayAndOpen(
  em: EntityManager,
  claim: {
    readonly processId: string;
    readonly executionId: string;
    readonly nominalTime: string;
    readonly localDate: string;
    readonly trigger: RunTriggerName;
    readonly workflowId: string;
    readonly workflowRunId: string;
  },
  placement: Placement,
): Promise<void> {
  // Literals, not parameters: in INSERT … SELECT a parameter would be text, and the column is Behflow's enum.
  const status = placement.status === 'running' ? `'running'` : `'pending'`;
  const queuedAt = placement.status === 'pending' ? 'clock_timestamp()' : 'NULL';
  await em.execute(
    `WITH claim AS (
       INSERT INTO automated_process_nominal_times
         (process_id, nominal_time, local_date, trigger, outcome, execution_id, workflow_id)
       VALUES (?, ?, ?, ?, 'ran', ?, ?)
       ON CONFLICT DO NOTHING
       RETURNING execution_id
     )
     INSERT INTO automated_process_executions
       (execution_id, process_id, status, started_at, trigger, logical_time, workflow_id, workflow_run_id,
        concurrency_key, concurrency_slot, queued_at, waiting_reason)
     SELECT execution_id, ?, ${status}, clock_timestamp(), ?, ?, ?, ?, nullif(?::text, ''), ?::smallint, ${queuedAt}, ?::text FROM claim
     ON CONFLICT (execution_id) DO NOTHING`,
    [
      claim.processId,
      claim.nominalTime,
      claim.localDate,
      claim.trigger,
      claim.executionId,
      claim.workflowId,
      claim.processId,
      claim.trigger,
      claim.nominalTime,
      claim.workflowId,
      claim.workflowRunId,
      placement.key,
      placement.status === 'running' ? placement.slot : null,
      placement.status === 'pending' ? placement.reason : null,
    ],
  );
}
