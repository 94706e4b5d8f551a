import { processZone } from '../../../config/schedule';
import { findLiveProcess } from '../../../processes/catalog';
import { rerunIds } from '../../../temporal/ids';
import { startReruns, type FailedExecution } from '../../../temporal/reruns';
import { parseLocalDate } from '../../../time';
import { ApiError, badRequest, notFound } from '../../errors';
import {
  MAX_RERUN_DAYS,
  MAX_RERUNS,
  type RerunAccepted,
  type RerunFailedAccepted,
  type RerunFailedBody,
} from '../../schemas/reruns';
import { workflowUiUrl } from '../../views/links';
import { runnable, runNow, type RunDeps } from './trigger';

const DAY_MS = 86_400_000;
/** The instant a run was for: its logical time, or for a Behflow-era row its start. */
const LOGICAL_TIME_SQL = `coalesce(e.logical_time, e.started_at)`;
const ISO_SQL = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

interface RerunSource extends Record<string, unknown> {
  process_id: string;
  name: string;
  deleted: boolean;
  logical_time: string | null;
  status: string;
}

export interface RerunOptions {
  /** The console's "rerun a failed run": 409 NOT_FAILED for an execution that did not fail. */
  readonly onlyFailed?: boolean;
}

/**
 * POST /executions/:id/rerun: a new run of the execution's process for the execution's logical time,
 * trigger 'rerun' and rerun_of set, started as a manual trigger is (so 409 while any run of the
 * process is in progress, the execution itself included).
 */
export async function rerunExecution(
  deps: RunDeps,
  executionId: string,
  signal?: AbortSignal,
  options: RerunOptions = {},
): Promise<RerunAccepted> {
  const em = deps.orm.em.fork();
  const [source] = await em.getConnection().execute<RerunSource[]>(
    `SELECT e.process_id, e.status, p.name, r.deleted_at IS NOT NULL AS deleted, ${ISO_SQL(LOGICAL_TIME_SQL)} AS logical_time
       FROM automated_process_executions e
       JOIN automated_processes p ON p.process_id = e.process_id
       LEFT JOIN automated_process_registrations r ON r.process_id = e.process_id
      WHERE e.execution_id = ?`,
    [executionId],
  );
  if (!source) throw notFound('execution', executionId);
  if (options.onlyFailed && source.status !== 'failed') throw notFailed(executionId, source.status);
  const entry = source.deleted ? undefined : await findLiveProcess(em, deps.registry, source.name);
  if (!entry || entry.process.processId !== source.process_id) {
    throw new ApiError(
      409,
      'PROCESS_DELETED',
      `the process of execution ${executionId} was deleted: nothing to rerun it with`,
    );
  }
  if (source.logical_time === null) {
    throw new ApiError(409, 'NO_LOGICAL_TIME', `execution ${executionId} has neither a logical time nor a start time`);
  }
  const outcome = await runNow(
    deps,
    runnable(deps, entry),
    { name: entry.process.name, wait: false, ...(signal ? { signal } : {}) },
    { ids: rerunIds(entry.process, deps.config), logicalTime: source.logical_time, rerunOf: executionId },
  );
  // Without wait=true the run is answered as accepted; a finished one would not be.
  if (outcome.kind !== 'accepted') throw new Error('a rerun answers before its run finishes');
  return { ...outcome.body, rerun_of: executionId };
}

/** The console reruns failed runs only (the JSON API reruns any execution). */
export function notFailed(executionId: string, status: string): ApiError {
  return new ApiError(
    409,
    'NOT_FAILED',
    `execution ${executionId} is ${status}, not failed: only a failed run can be rerun from the console`,
  );
}

/** from ≤ to, real dates, at most MAX_RERUN_DAYS days; the 400 names the field and the rule. */
export function checkRerunRange(body: RerunFailedBody): void {
  const day = (field: 'from' | 'to') => {
    let date;
    try {
      date = parseLocalDate(body[field]);
    } catch {
      date = undefined;
    }
    // PostgreSQL has no year 0.
    if (!date || date.year < 1)
      throw badRequest(`body.${field}`, 'must be a calendar date YYYY-MM-DD, year 1 or later');
    return Date.UTC(date.year, date.month - 1, date.day);
  };
  const from = day('from');
  const to = day('to');
  if (to < from) throw badRequest('body.to', 'must not be before body.from');
  if ((to - from) / DAY_MS + 1 > MAX_RERUN_DAYS) {
    throw badRequest('body.to', `must be at most ${MAX_RERUN_DAYS} days from body.from, both included`, {
      max_days: MAX_RERUN_DAYS,
    });
  }
}

/**
 * POST /processes/:name/rerun-failed: the process's failed executions whose logical time falls on a
 * local day (in the process zone) from `from` to `to`, and that no rerun names yet (so the latest
 * failure of each chain), rerun one after another by the rerunExecutions workflow, earliest first.
 */
export async function rerunFailed(deps: RunDeps, name: string, body: RerunFailedBody): Promise<RerunFailedAccepted> {
  checkRerunRange(body);
  const em = deps.orm.em.fork();
  const entry = await findLiveProcess(em, deps.registry, name);
  if (!entry) throw notFound('process', name);
  const { process, definition } = runnable(deps, entry);
  const { schedule } = entry;
  const timezone =
    schedule && !(schedule instanceof Error)
      ? schedule.timezone
      : processZone(process.scheduleConfig, deps.config.timezone);
  const rows = await em.getConnection().execute<{ execution_id: string; logical_time: string }[]>(
    `SELECT e.execution_id, ${ISO_SQL(LOGICAL_TIME_SQL)} AS logical_time
       FROM automated_process_executions e
      WHERE e.process_id = ? AND e.status = 'failed' AND ${LOGICAL_TIME_SQL} IS NOT NULL
        AND (${LOGICAL_TIME_SQL} AT TIME ZONE ?)::date BETWEEN ?::date AND ?::date
        AND NOT EXISTS (SELECT 1 FROM automated_process_executions r
                         WHERE r.process_id = e.process_id AND r.rerun_of = e.execution_id)
      ORDER BY ${LOGICAL_TIME_SQL}, e.execution_id
      LIMIT ?`,
    [process.processId, timezone, body.from, body.to, MAX_RERUNS + 1],
  );
  const failed: FailedExecution[] = rows
    .slice(0, MAX_RERUNS)
    .map((r) => ({ executionId: r.execution_id, logicalTime: r.logical_time }));
  const { reruns, workflow } = await startReruns(deps.client, {
    processName: process.name,
    workflowType: definition.workflow.type,
    taskQueue: deps.config.taskQueue,
    failed,
  });
  return {
    process_name: process.name,
    timezone,
    from: body.from,
    to: body.to,
    workflow_id: workflow?.workflowId ?? null,
    count: reruns.length,
    reruns: reruns.map((r) => ({
      rerun_of: r.rerunOf,
      execution_id: r.executionId,
      logical_time: r.logicalTime,
      workflow_id: r.workflowId,
    })),
    truncated: rows.length > MAX_RERUNS,
    web_ui_url: workflow ? workflowUiUrl(deps.config, workflow.workflowId, workflow.runId) : null,
    message: workflow
      ? `${reruns.length} failed run(s) will be rerun one after another (trigger 'rerun'), each for its own ` +
        `logical time; GET /processes/${process.name}/executions shows them`
      : `no failed run of ${body.from} to ${body.to} (${timezone}) is waiting for a rerun; nothing was started`,
  };
}
