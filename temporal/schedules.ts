import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { Schedule } from '../config/schedule';
import type { ProcessDefinition } from '../processes/definition';
import { scheduleIdFor } from './ids';
import {
  desiredSchedule,
  scheduleFingerprint,
  scheduleState,
  type ScheduledProcess,
  type ScheduleSettings,
  type ScheduleState,
} from './schedule-options';

export type SyncOutcome = 'created' | 'updated' | 'paused' | 'unpaused' | 'unchanged';

/** Thrown from inside an update to leave the schedule as it is: nothing to write. */
const UNCHANGED = Symbol('unchanged');

/**
 * Makes one process's Temporal schedule match its row, with one describe and at most one write:
 * creates it, or updates its spec, action and pause state together. `explicit` is a pause or resume
 * asked for now (with its note); without it the row's is_enabled decides (scheduleState).
 */
export async function syncSchedule(
  client: Client,
  process: ScheduledProcess,
  schedule: Schedule,
  definition: ProcessDefinition,
  settings: ScheduleSettings,
  explicit?: ScheduleState,
): Promise<SyncOutcome[]> {
  const options = desiredSchedule(process, schedule, definition, settings);
  const fingerprint = scheduleFingerprint(definition, schedule, settings);
  let outcomes: SyncOutcome[] = [];
  try {
    // update() describes the schedule, lets us decide from what it holds, then writes once.
    await client.schedule.getHandle(options.scheduleId).update((current) => {
      const state = scheduleState(process, current.state, explicit);
      if (memoFingerprint(current) !== fingerprint) outcomes.push('updated');
      if (state.paused !== current.state.paused) outcomes.push(state.paused ? 'paused' : 'unpaused');
      const noteChanged = state.paused && (state.note ?? '') !== (current.state.note ?? '');
      if (outcomes.length === 0 && !noteChanged) throw UNCHANGED;
      return { ...options, state };
    });
  } catch (err) {
    if (err === UNCHANGED) return ['unchanged'];
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create({ ...options, state: scheduleState(process, undefined, explicit) });
    outcomes = ['created'];
  }
  return outcomes.length > 0 ? outcomes : ['updated'];
}

/** Deletes a process's schedule; a schedule that is already gone is fine. */
export async function deleteSchedule(
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

/** The schedule as Temporal has it (state, next times, counters), or undefined when there is none. */
export async function describeSchedule(
  client: Client,
  processName: string,
  settings: ScheduleSettings,
): Promise<ScheduleDescription | undefined> {
  return describeOrUndefined(client.schedule.getHandle(scheduleIdFor(processName, settings)));
}

function memoFingerprint(described: ScheduleDescription): unknown {
  return described.action.type === 'startWorkflow' ? described.action.memo?.scheduleFingerprint : undefined;
}

async function describeOrUndefined(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
