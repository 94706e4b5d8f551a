import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { SharedConfig } from '../config';
import type { Schedule } from '../config/schedule';
import type { AutomatedProcess } from '../db/entities';
import type { ProcessDefinition } from '../processes/definition';
import type { ProcessRunInput } from '../workflows/run-and-record';
import { firingCalendars, firingHorizon, horizonText } from './firing-calendar';
import { scheduleIdFor } from './ids';
import { PROCESS_SEARCH_ATTRIBUTE } from '../platform/search-attributes';

/** Marks schedules this service owns (with the task queue), so reload never deletes anyone else's. */
export const MANAGED_BY = 'behflow-processes';
/** Bump when the shape of what we create changes, so reload updates every schedule once. */
const SCHEDULE_FORMAT = 3;

export const PROCESS_KEY = defineSearchAttributeKey(PROCESS_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

export interface ScheduleSettings {
  readonly taskQueue: string;
  readonly catchupWindowMinutes: number;
}

export function scheduleSettings(config: SharedConfig): ScheduleSettings {
  return { taskQueue: config.taskQueue, catchupWindowMinutes: config.catchupWindowMinutes };
}

export type ScheduledProcess = Pick<AutomatedProcess, 'name' | 'description' | 'isEnabled'>;

/**
 * Everything that, when changed, requires the schedule's spec or action to be updated; the horizon
 * of its calendar too, which moves once a month (`now` is when the schedule is written).
 */
export function scheduleFingerprint(
  definition: ProcessDefinition,
  schedule: Schedule,
  settings: ScheduleSettings,
  now: number = Date.now(),
): string {
  return JSON.stringify({
    format: SCHEDULE_FORMAT,
    workflowType: definition.workflow.type,
    taskQueue: settings.taskQueue,
    hour: schedule.hour,
    minute: schedule.minute,
    timezone: schedule.timezone,
    catchupWindowMinutes: settings.catchupWindowMinutes,
    horizon: horizonText(firingHorizon(now)),
  });
}

/**
 * The Temporal Schedule a time-based process should have: once each local day at hour:minute in its
 * zone by the firing rule (gap forward, fold once at the earlier instant), as UTC calendar entries
 * over the horizon (firing-calendar.ts); SKIP on overlap; its pause state comes from scheduleState.
 */
export function desiredSchedule(
  process: ScheduledProcess,
  schedule: Schedule,
  definition: ProcessDefinition,
  settings: ScheduleSettings,
  now: number = Date.now(),
): Omit<ScheduleOptions, 'state'> {
  const input: ProcessRunInput = { processName: process.name };
  return {
    scheduleId: scheduleIdFor(process.name, settings),
    spec: {
      calendars: firingCalendars(schedule, firingHorizon(now)),
      // The entries are the rule's instants already: a zone here would bring back its gaps and folds.
      timezone: 'UTC',
    },
    action: {
      type: 'startWorkflow',
      workflowType: definition.workflow.type,
      // Temporal appends the nominal time; the task queue keeps deployments sharing a namespace apart.
      workflowId: scheduleIdFor(process.name, settings),
      taskQueue: settings.taskQueue,
      args: [input],
      memo: { process: process.name, scheduleFingerprint: scheduleFingerprint(definition, schedule, settings, now) },
      typedSearchAttributes: [{ key: PROCESS_KEY, value: process.name }],
      staticSummary: `${process.name} at ${hhmm(schedule)} ${schedule.timezone}`,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${settings.catchupWindowMinutes} minutes`,
    },
    memo: { managedBy: MANAGED_BY, taskQueue: settings.taskQueue, process: process.name },
    typedSearchAttributes: [{ key: PROCESS_KEY, value: process.name }],
  };
}

export const DISABLED_NOTE =
  'Paused: the process is disabled (automated_processes.is_enabled = false); enable it with ' +
  'PATCH /processes/<name> {"enabled": true} or POST /processes/<name>/resume';
/** DISABLED_NOTE as earlier releases wrote it: schedules paused then still carry it. */
const EARLIER_DISABLED_NOTE = 'Paused: the process is disabled (automated_processes.is_enabled = false)';
const ENABLED_NOTE = 'Resumed: the process is enabled';
/** How the note of a pause for a broken schedule_config begins (brokenScheduleNote: the field is the row's). */
const BROKEN_NOTE_PREFIX = 'Paused: schedule_config';

export interface ScheduleState {
  readonly paused: boolean;
  readonly note?: string;
}

/** The note of the pause a row whose stored schedule breaks the rules gets: why, and how to repair it. */
export function brokenScheduleNote(processName: string, why: { field: string; rule: string }): string {
  return `Paused: ${why.field} ${why.rule}; PATCH /processes/${processName} to repair`;
}

/**
 * Whether a pause is one this service made for a reason that an enabled, valid row undoes: a disabled
 * row (DISABLED_NOTE), a broken schedule_config, or the API's pause (its note, `apiPauseNote`, is kept
 * in automated_process_registrations while it stands). A pause from the Web UI or CLI is none of these.
 */
function isOwnPause(note: string | undefined, apiPauseNote: string | null | undefined): boolean {
  if (note === undefined) return false;
  return (
    note === DISABLED_NOTE ||
    note === EARLIER_DISABLED_NOTE ||
    note.startsWith(BROKEN_NOTE_PREFIX) ||
    (!!apiPauseNote && note === apiPauseNote)
  );
}

/**
 * The pause state a schedule should have. An explicit pause or resume (the API's, with its note)
 * wins; otherwise a disabled row pauses it, and an enabled row undoes only this service's own pauses
 * (isOwnPause): one made in the Web UI or CLI stays, with its note. So is_enabled set in the database
 * wins over a pause made through the API, not over one made by hand.
 */
export function scheduleState(
  process: ScheduledProcess,
  current: ScheduleState | undefined,
  explicit: ScheduleState | undefined,
  apiPauseNote?: string | null,
): ScheduleState {
  if (explicit) return explicit;
  if (!current)
    return process.isEnabled
      ? { paused: false, note: process.description ?? undefined }
      : { paused: true, note: DISABLED_NOTE };
  if (!process.isEnabled) {
    const keep = current.paused && !current.note?.startsWith(BROKEN_NOTE_PREFIX);
    return keep ? current : { paused: true, note: DISABLED_NOTE };
  }
  if (current.paused && isOwnPause(current.note, apiPauseNote)) return { paused: false, note: ENABLED_NOTE };
  return current;
}

/**
 * The pause state of the schedule of a row whose stored schedule breaks the rules: paused with
 * `note` (brokenScheduleNote) instead of firing on the old spec. A pause standing for a reason that
 * still holds (a disabled row's, an explicit one, one made by hand) keeps its own note.
 */
export function brokenScheduleState(
  process: ScheduledProcess,
  current: ScheduleState,
  explicit: ScheduleState | undefined,
  apiPauseNote: string | null | undefined,
  note: string,
): ScheduleState {
  if (explicit?.paused) return explicit;
  if (!current.paused) return { paused: true, note };
  if (process.isEnabled && isOwnPause(current.note, apiPauseNote)) return { paused: true, note };
  return current;
}

function hhmm({ hour, minute }: Schedule): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
