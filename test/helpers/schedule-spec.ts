import type { ScheduleDescription } from '@temporalio/client';
import { firingCalendars, firingHorizon } from '../../temporal/firing-calendar';

export interface FiringTime {
  readonly hour: number;
  readonly minute: number;
  readonly timezone: string;
}

/**
 * The local time and zone a schedule fires at, read back from its spec: its calendar entries are in
 * UTC and their comments state the local time and zone ("07:30 Asia/Tehran (UTC+03:30), …"). Throws
 * unless the spec is exactly the firing calendar of that time (temporal/firing-calendar.ts).
 */
export function firingTimeOf(described: ScheduleDescription): FiringTime {
  const calendars = described.spec.calendars ?? [];
  const match = /^(\d\d):(\d\d) (\S+) /.exec(calendars[0]?.comment ?? '');
  if (!match || described.spec.timezone !== 'UTC') {
    throw new Error(`not a firing calendar: ${JSON.stringify(described.spec)}`);
  }
  const time = { hour: Number(match[1]), minute: Number(match[2]), timezone: match[3]! };
  const wanted = firingCalendars(time, firingHorizon(Date.now())).map((c) => c.comment);
  const found = calendars.map((c) => c.comment);
  if (JSON.stringify(found) !== JSON.stringify(wanted)) {
    throw new Error(`the calendar is not the firing calendar of ${JSON.stringify(time)}: ${JSON.stringify(found)}`);
  }
  return time;
}
