import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { AutomatedProcess } from '../db/entities';
import type { ProcessDefinition } from '../processes/definition';
import { desiredSchedule, DISABLED_NOTE, scheduleFingerprint, type ScheduleSettings } from './schedule-options';
import { scheduleIdFor } from './ids';
import { parseScheduleConfig } from '../processes/schedule-config';

export type SyncOutcome = 'created' | 'updated' | 'paused' | 'unpaused' | 'unchanged';

/**
 * Makes one process's Temporal schedule match its row: creates it, updates a changed spec or
 * action, pauses it when the row is disabled. Throws InvalidProcessConfigError for a bad
 * schedule_config before touching Temporal.
 */
export async function syncProcessSchedule(
  client: Client,
  process: AutomatedProcess,
  definition: ProcessDefinition,
  settings: ScheduleSettings,
): Promise<SyncOutcome[]> {
  const schedule = parseScheduleConfig(process.scheduleConfig);
  const options = desiredSchedule(process, schedule, definition, settings);
  const handle = client.schedule.getHandle(options.scheduleId);
  const described = await describeOrUndefined(handle);
  if (!described) {
    await client.schedule.create(options);
    return ['created'];
  }
  const outcomes: SyncOutcome[] = [];
  if (memoFingerprint(described) !== scheduleFingerprint(definition, schedule, settings)) {
    // Keep the pause state and its note: an operator's pause must survive an update.
    await handle.update((previous) => ({ ...options, state: previous.state }));
    outcomes.push('updated');
  }
  if (!process.isEnabled && !described.state.paused) {
    await handle.pause(DISABLED_NOTE);
    outcomes.push('paused');
  } else if (process.isEnabled && described.state.paused && described.state.note === DISABLED_NOTE) {
    // Only a pause made for a disabled row is undone here; one from the Web UI or CLI stays.
    await handle.unpause('Resumed: the process is enabled');
    outcomes.push('unpaused');
  }
  return outcomes.length > 0 ? outcomes : ['unchanged'];
}

/** Deletes a process's schedule; a schedule that is already gone is fine. */
export async function deleteProcessSchedule(
  client: Client,
  processName: string,
  settings: ScheduleSettings,
): Promise<boolean> {
  try {
    await client.schedule.getHandle(scheduleIdFor(processName, settings)).delete();
    return true;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return false;
    throw err;
  }
}

function memoFingerprint(described: ScheduleDescription): unknown {
  return described.action.type === 'startWorkflow' ? described.action.memo?.scheduleFingerprint : undefined;
}

export async function describeOrUndefined(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
