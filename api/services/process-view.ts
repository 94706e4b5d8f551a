import type { ScheduleDescription } from '@temporalio/client';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AutomatedProcessExecution, TriggerType } from '../../db/entities';
import type { CatalogEntry } from '../../processes/catalog';
import { storedAfter, storedRequires } from '../../config/chains';
import { storedConcurrency, storedOverlap } from '../../config/concurrency';
import { maskedPolicy, storedPolicy } from '../../config/policy';
import { processZone } from '../../config/schedule';
import { scheduleIdFor } from '../../temporal/ids';
import { describeSchedule } from '../../temporal/schedules';
import { formatIsoWithOffset } from '../../time';
import { scheduleSettings, type AppDeps } from '../deps';
import type { ProcessView } from '../schemas/process';
import { toExecutionView } from '../views/execution-view';
import { processesUiUrl, scheduleUiUrl } from '../views/links';

const NEXT_RUNS = 5;
const RECENT_RUNS = 5;

/** A process as the API shows it: its row, its schedule's live state in Temporal, its recent runs. */
export async function toProcessView(deps: AppDeps, em: EntityManager, entry: CatalogEntry): Promise<ProcessView> {
  const { process, schedule } = entry;
  const scheduleId =
    process.scheduleConfig && entry.definition ? scheduleIdFor(process.name, scheduleSettings(deps.config)) : null;
  const [described, recent, counts] = await Promise.all([
    scheduleId ? describeSchedule(deps.client, process.name, scheduleSettings(deps.config)) : undefined,
    em.find(
      AutomatedProcessExecution,
      { processId: process.processId },
      { orderBy: { startedAt: 'desc' }, limit: RECENT_RUNS },
    ),
    runCounts(em, process.processId),
  ]);
  // A stored zone that breaks the rules is no zone to show times in.
  const zone = schedule instanceof Error ? deps.config.timezone : processZone(schedule, deps.config.timezone);
  return {
    name: process.name,
    description: process.description ?? null,
    implementation: entry.implementation,
    trigger_type: process.triggerType,
    event: eventBindingOf(entry),
    schedule: schedule instanceof Error ? storedObject(process.scheduleConfig) : schedule,
    schedule_error: schedule instanceof Error ? schedule.message : null,
    config: process.processConfig ?? {},
    policy: maskedPolicy(storedPolicy(entry.registration?.policy)),
    after: storedAfter(entry.registration?.after),
    requires: storedRequires(entry.registration?.requires),
    concurrency: storedConcurrency(entry.registration?.concurrency),
    overlap: storedOverlap(entry.registration?.overlap),
    waiting_runs: counts.waiting,
    enabled: process.isEnabled,
    paused: described?.state.paused ?? !process.isEnabled,
    pause_note: described?.state.paused ? (described.state.note ?? null) : null,
    next_runs: nextRuns(described, zone),
    recent_runs: recent.map((row) => toExecutionView(row, process.name, deps.config)),
    skipped_overlap: described?.info.numActionsSkippedOverlap ?? 0,
    missed_catchup_window: described?.info.numActionsMissedCatchupWindow ?? 0,
    nominal_times: counts.nominalTimes,
    other_scheduler_runs: counts.otherScheduler,
    schedule_id: described ? scheduleId : null,
    web_ui_url:
      described && scheduleId ? scheduleUiUrl(deps.config, scheduleId) : processesUiUrl(deps.config, process.name),
    created_at: process.createdAt.toISOString(),
    updated_at: process.updatedAt.toISOString(),
    last_executed_at: process.lastExecutedAt?.toISOString() ?? null,
  };
}

/** schedule_config as stored, when it is an object at all (schedule_error says what is wrong with it). */
function storedObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? { ...value } : null;
}

function nextRuns(described: ScheduleDescription | undefined, zone: string): string[] {
  if (!described || described.state.paused) return [];
  return described.info.nextActionTimes.slice(0, NEXT_RUNS).map((t) => formatIsoWithOffset(zone, t.getTime()));
}

interface RunCounts {
  readonly nominalTimes: { skipped: number; missed: number };
  readonly otherScheduler: { count_7d: number; last: string | null };
  readonly waiting: number;
}

/**
 * In one round trip: the ledger's skipped and missed times, and the execution rows of this process
 * that this service did not write (no workflow id): Behflow's own APScheduler still running beside
 * it, or its rows from before the switch.
 */
async function runCounts(em: EntityManager, processId: string): Promise<RunCounts> {
  const [row] = await em
    .getConnection()
    .execute<{ skipped: string; missed: string; other_7d: string; other_last: string | null; waiting: string }[]>(
      `SELECT n.skipped, n.missed, o.other_7d, o.other_last, w.waiting
       FROM (SELECT count(*) FILTER (WHERE outcome = 'skipped') AS skipped,
                    count(*) FILTER (WHERE outcome = 'missed') AS missed
               FROM automated_process_nominal_times WHERE process_id = ?) n,
            (SELECT count(*) FILTER (WHERE started_at > now() - interval '7 days') AS other_7d,
                    to_char(max(started_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS other_last
               FROM automated_process_executions WHERE process_id = ? AND workflow_id IS NULL) o,
            (SELECT count(*) AS waiting FROM automated_process_executions
              WHERE process_id = ? AND status = 'pending' AND workflow_id IS NOT NULL) w`,
      [processId, processId, processId],
    );
  return {
    nominalTimes: { skipped: Number(row?.skipped ?? 0), missed: Number(row?.missed ?? 0) },
    otherScheduler: { count_7d: Number(row?.other_7d ?? 0), last: row?.other_last ?? null },
    waiting: Number(row?.waiting ?? 0),
  };
}

/** The registration's event binding, for an event-based process. */
function eventBindingOf(entry: CatalogEntry): ProcessView['event'] {
  const name = entry.registration?.eventName;
  if (entry.process.triggerType !== TriggerType.EventBased || !name) return null;
  const filter = entry.registration?.eventFilter;
  return filter ? { name, filter } : { name };
}
