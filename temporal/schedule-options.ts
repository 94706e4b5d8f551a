import { ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { AutomatedProcess, ScheduleConfig } from '../db/entities';
import type { ProcessDefinition } from '../processes/definition';
import type { ProcessRunInput } from '../workflows';
import { scheduleIdFor } from './ids';
import { PROCESS_SEARCH_ATTRIBUTE } from './search-attributes';

/** Marks schedules this service owns (with the task queue), so reload never deletes anyone else's. */
export const MANAGED_BY = 'behflow-processes';
/** Bump when the shape of what we create changes, so reload updates every schedule once. */
const SCHEDULE_FORMAT = 2;

export const PROCESS_KEY = defineSearchAttributeKey(PROCESS_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

export interface ScheduleSettings {
  readonly taskQueue: string;
  readonly catchupWindowMinutes: number;
}

/** Everything that, when changed, requires the schedule to be updated. */
export function scheduleFingerprint(
  definition: ProcessDefinition,
  schedule: ScheduleConfig,
  settings: ScheduleSettings,
): string {
  return JSON.stringify({
    format: SCHEDULE_FORMAT,
    workflowType: definition.workflowType,
    taskQueue: settings.taskQueue,
    hour: schedule.hour,
    minute: schedule.minute,
    timezone: schedule.timezone,
    catchupWindowMinutes: settings.catchupWindowMinutes,
  });
}

/** The Temporal Schedule a time-based process should have: daily at hour:minute in its zone, SKIP on overlap. */
export function desiredSchedule(
  process: Pick<AutomatedProcess, 'name' | 'description' | 'isEnabled'>,
  schedule: ScheduleConfig,
  definition: ProcessDefinition,
  settings: ScheduleSettings,
): ScheduleOptions {
  const input: ProcessRunInput = { processName: process.name };
  return {
    scheduleId: scheduleIdFor(process.name, settings),
    spec: {
      calendars: [{ hour: schedule.hour, minute: schedule.minute, comment: `daily at ${hhmm(schedule)}` }],
      timezone: schedule.timezone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: definition.workflowType,
      // Temporal appends the nominal time; the task queue keeps deployments sharing a namespace apart.
      workflowId: scheduleIdFor(process.name, settings),
      taskQueue: settings.taskQueue,
      args: [input],
      memo: { process: process.name, scheduleFingerprint: scheduleFingerprint(definition, schedule, settings) },
      typedSearchAttributes: [{ key: PROCESS_KEY, value: process.name }],
      staticSummary: `${process.name} at ${hhmm(schedule)} ${schedule.timezone}`,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: `${settings.catchupWindowMinutes} minutes`,
    },
    memo: { managedBy: MANAGED_BY, taskQueue: settings.taskQueue, process: process.name },
    typedSearchAttributes: [{ key: PROCESS_KEY, value: process.name }],
    state: process.isEnabled ? { note: process.description ?? undefined } : { paused: true, note: DISABLED_NOTE },
  };
}

export const DISABLED_NOTE = 'Paused: the process is disabled (automated_processes.is_enabled = false)';

function hhmm({ hour, minute }: ScheduleConfig): string {
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}
