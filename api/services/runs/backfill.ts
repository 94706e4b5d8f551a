import { TriggerType } from '../../../db/entities';
import { findLiveProcess } from '../../../processes/catalog';
import { startBackfill } from '../../../temporal/backfills';
import { scheduleIdFor } from '../../../temporal/ids';
import { formatIsoWithOffset } from '../../../time';
import { ApiError, badRequest, notFound } from '../../errors';
import {
  MAX_BACKFILL_DAYS,
  MAX_BACKFILL_TIMES_LISTED,
  type BackfillAccepted,
  type BackfillBody,
} from '../../schemas/runs';
import { scheduleUiUrl, workflowUiUrl } from '../../views/links';
import type { RunDeps } from './trigger';

const DAY_MS = 86_400_000;

/** start < end, at most 31 days apart, end not after now; the 400 names the field and the bound. */
export function checkBackfillRange(body: BackfillBody, now: number): { start: number; end: number } {
  const start = Date.parse(body.start);
  const end = Date.parse(body.end);
  if (Number.isNaN(start)) throw badRequest('body.start', 'must be an ISO-8601 date-time');
  if (Number.isNaN(end)) throw badRequest('body.end', 'must be an ISO-8601 date-time');
  if (end <= start) throw badRequest('body.end', 'must be after body.start');
  if (end - start > MAX_BACKFILL_DAYS * DAY_MS) {
    throw badRequest('body.end', `must be at most ${MAX_BACKFILL_DAYS} days after body.start`, {
      max_days: MAX_BACKFILL_DAYS,
    });
  }
  if (end > now) {
    throw badRequest('body.end', `must not be in the future (it is ${new Date(now).toISOString()} now)`);
  }
  return { start, end };
}

/**
 * POST /processes/:name/backfill: the firing rule's times from start to end (both included), one
 * per local day as the schedule fires them (a gap's time forward, a fold's once), each run in turn
 * by a backfill workflow and recorded with trigger 'backfill'. The times come from the process
 * row, not the Temporal schedule, so any past range works, also before the schedule's calendar.
 */
export async function backfillRuns(
  deps: RunDeps,
  name: string,
  body: BackfillBody,
  now = Date.now(),
): Promise<BackfillAccepted> {
  const range = checkBackfillRange(body, now);
  const entry = await findLiveProcess(deps.orm.em.fork(), deps.registry, name);
  if (!entry) throw notFound('process', name);
  const { process, definition } = entry;
  if (!definition) {
    throw new ApiError(
      409,
      'NO_IMPLEMENTATION',
      `process "${name}" is implemented by "${entry.implementation}", which is not registered in this deployment, so it cannot run`,
    );
  }
  const { schedule } = entry;
  if (process.triggerType !== TriggerType.TimeBased || !schedule || schedule instanceof Error) {
    throw new ApiError(
      409,
      'NO_SCHEDULE',
      `process "${name}" has no schedule (it runs only when triggered), so there are no times to backfill; ` +
        `use POST /processes/${name}/trigger`,
    );
  }

  const scheduleId = scheduleIdFor(process.name, deps.config);
  const { times, workflow } = await startBackfill(deps.client, {
    processName: process.name,
    schedule,
    workflowType: definition.workflow.type,
    taskQueue: deps.config.taskQueue,
    range,
  });
  return {
    process_name: process.name,
    schedule_id: scheduleId,
    workflow_id: workflow?.workflowId ?? null,
    start: new Date(range.start).toISOString(),
    end: new Date(range.end).toISOString(),
    overlap: 'BUFFER_ALL',
    count: times.length,
    times: times.slice(0, MAX_BACKFILL_TIMES_LISTED).map((t) => formatIsoWithOffset(schedule.timezone, t)),
    times_truncated: times.length > MAX_BACKFILL_TIMES_LISTED,
    web_ui_url: workflow
      ? workflowUiUrl(deps.config, workflow.workflowId, workflow.runId)
      : scheduleUiUrl(deps.config, scheduleId),
    message: workflow
      ? `${times.length} run(s) will start one after another, one per local day at the schedule's time ` +
        "(trigger 'backfill')" +
        (process.isEnabled ? '' : ' (the process is disabled, which stops only its schedule, not a backfill)') +
        `; GET /processes/${process.name}/executions shows them`
      : 'no time of the schedule falls in that range; nothing was started',
  };
}
