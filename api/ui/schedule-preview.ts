import type { Schedule } from '../../config/schedule';
import { localDateAt, nextFiringAfter, offsetChangeOn, type LocalDate } from '../../time';
import { formatUtcOffset } from '../../time/iso';
import { inZone } from './format';

/** How many firings the schedule editor previews: as many as the process page's next runs. */
export const PREVIEWED_RUNS = 5;

/** One previewed firing, and why it may not be at the wall time the schedule names. */
export interface PreviewedRun {
  /** Epoch ms: the instant Temporal's schedule fires (its spec lists the firing rule's instants). */
  readonly at: number;
  /** "2027-03-14 03:30" in the schedule's zone. */
  readonly local: string;
  /** "2027-03-14 07:30" in UTC. */
  readonly utc: string;
  /** The zone's clocks change on this run's local day: its UTC time differs from the days around it. */
  readonly clockChange: { readonly from: string; readonly to: string } | null;
  /** The wall time was not the schedule's (a gap), or occurred twice (a fold): what the rule did. */
  readonly note: string | null;
}

/**
 * The next firings after `afterMs` by the project's firing rule (time/firing-times.ts), which is what
 * the schedule's spec lists (temporal/firing-calendar.ts), so they are the instants Temporal will
 * fire. Each run on a day the clocks change is flagged, saying what the rule made of the time.
 */
export function previewRuns(schedule: Schedule, afterMs: number, count = PREVIEWED_RUNS): PreviewedRun[] {
  const runs: PreviewedRun[] = [];
  let after = afterMs;
  for (let i = 0; i < count; i++) {
    const at = nextFiringAfter(schedule.timezone, schedule, after);
    runs.push(describeRun(schedule, at));
    after = at;
  }
  return runs;
}

function describeRun(schedule: Schedule, at: number): PreviewedRun {
  const zone = schedule.timezone;
  const local = inZone(new Date(at), zone);
  const date = localDateAt(zone, at);
  const change = offsetChangeOn(zone, date);
  return {
    at,
    local,
    utc: inZone(new Date(at), 'UTC'),
    clockChange: change && { from: utcOffsetText(change.before), to: utcOffsetText(change.after) },
    note: change && ruleNote(schedule, at, local, date, change.before - change.after),
  };
}

function ruleNote(
  schedule: Schedule,
  at: number,
  local: string,
  date: LocalDate,
  fallBackSeconds: number,
): string | null {
  const wall = `${String(schedule.hour).padStart(2, '0')}:${String(schedule.minute).padStart(2, '0')}`;
  if (local.slice(11) !== wall) {
    return `${wall} does not exist that day (the clocks jump forward): it runs at ${local.slice(11)}, forward by the gap`;
  }
  // A fold: the same wall time again, an offset change later, on the same local day.
  if (fallBackSeconds > 0) {
    const again = at + fallBackSeconds * 1000;
    const sameDay = localDateAt(schedule.timezone, again);
    if (inZone(new Date(again), schedule.timezone) === local && sameDay.day === date.day) {
      return `${wall} occurs twice that day (the clocks go back): it runs once, at the first`;
    }
  }
  return null;
}

function utcOffsetText(offsetSeconds: number): string {
  return `UTC${formatUtcOffset(offsetSeconds)}`;
}
