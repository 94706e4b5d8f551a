import { knownTimeZone } from '../config/parse';
import { InvalidProcessConfigError, readUserIds } from '../config/process-config';
import { formatLocalDate, localDateAt } from '../time';
import type { RunContext } from './run-types';

/** Which users and which "today" a run is for, once its event (if any) has narrowed it. */
export interface RunScope {
  readonly timezone: string;
  /** YYYY-MM-DD in `timezone`. */
  readonly day: string;
  /** null: every user the process's config allows. */
  readonly userIds: readonly string[] | null;
}

/**
 * An event run is about whom its event names: data.user_id or data.user_ids (within the process's
 * own user_ids, when it has them), and data.timezone's today at the run's logical time, when given.
 * Bad fields fail the run naming them (event.data.*), as a bad process_config does.
 */
export function scopeOfRun(
  run: Pick<RunContext, 'timezone' | 'day' | 'logicalTime' | 'event'>,
  configuredUserIds: readonly string[] | null,
): RunScope {
  const data = run.event?.data;
  if (!data) return { timezone: run.timezone, day: run.day, userIds: configuredUserIds };
  const named = [
    ...(readUserIds(data.user_id === undefined ? undefined : [data.user_id], 'event.data.user_id') ?? []),
    ...(readUserIds(data.user_ids, 'event.data.user_ids') ?? []),
  ];
  const userIds =
    named.length === 0
      ? configuredUserIds
      : configuredUserIds
        ? [...new Set(named)].filter((id) => configuredUserIds.includes(id))
        : [...new Set(named)];
  if (data.timezone === undefined) return { timezone: run.timezone, day: run.day, userIds };
  const zone = typeof data.timezone === 'string' ? knownTimeZone(data.timezone) : undefined;
  if (!zone) throw new InvalidProcessConfigError('event.data.timezone', 'must be an IANA time zone, e.g. Asia/Tehran');
  return { timezone: zone, day: formatLocalDate(localDateAt(zone, Date.parse(run.logicalTime))), userIds };
}
