import { TriggerType } from '../../../db/entities';
import { findLiveProcess } from '../../../processes/catalog';
import { scheduleIdFor } from '../../../temporal/ids';
import { backfillSchedule } from '../../../temporal/schedules';
import { formatIsoWithOffset } from '../../../time';
import { ApiError, badRequest, notFound } from '../../errors';
import {
  MAX_BACKFILL_DAYS,
  MAX_BACKFILL_TIMES_LISTED,
  type BackfillAccepted,
  type BackfillBody,
} from '../../schemas/runs';
import { scheduleUiUrl } from '../../views/links';
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
 * POST /processes/:name/backfill: Temporal runs the schedule's times from start to end (both
 * included), one after another (BUFFER_ALL), as the schedule would have. The count and the times
 * are Temporal's own answer for the schedule as it is, so they are exactly the runs to come.
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
  const { process } = entry;
  if (!entry.definition) {
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
  const started = await backfillSchedule(deps.client, process.name, deps.config, range);
  if (!started) {
    throw new ApiError(
      409,
      'SCHEDULE_MISSING',
      `process "${name}" has no Temporal schedule "${scheduleId}" to backfill; ` +
        'restart the worker or run "npm run schedules:reload" to create it',
    );
  }
  const { times, paused } = started;
  return {
    process_name: process.name,
    schedule_id: scheduleId,
    start: new Date(range.start).toISOString(),
    end: new Date(range.end).toISOString(),
    overlap: 'BUFFER_ALL',
    count: times.length,
    times: times.slice(0, MAX_BACKFILL_TIMES_LISTED).map((t) => formatIsoWithOffset(schedule.timezone, t)),
    times_truncated: times.length > MAX_BACKFILL_TIMES_LISTED,
    web_ui_url: scheduleUiUrl(deps.config, scheduleId),
    message:
      times.length === 0
        ? 'no time of the schedule falls in that range; nothing was started'
        : `${times.length} run(s) will start one after another, each as its scheduled time's run` +
          (paused ? ' (the schedule is paused, which stops only its own runs, not a backfill)' : '') +
          `; GET /processes/${process.name}/executions shows them`,
  };
}
