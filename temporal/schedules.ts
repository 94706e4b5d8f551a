import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import type { Schedule } from '../config/schedule';
import { TriggerType } from '../db/entities';
import type { CatalogEntry } from '../processes/catalog';
import type { ProcessDefinition } from '../processes/definition';
import { READ_DEADLINE_MS, withTemporalDeadline } from './deadline';
import { scheduleIdFor } from './ids';
import {
  brokenScheduleNote,
  brokenScheduleState,
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
 * Makes one process's Temporal schedule match its catalog entry: syncSchedule for a valid schedule;
 * for a time-based row whose stored schedule breaks the rules, its schedule (if any) paused with a
 * note naming the field (pauseBrokenSchedule), so it stops firing on the old spec until repaired.
 * Undefined when there is nothing this service can do: no implementation registered, or manual only.
 */
export async function syncEntrySchedule(
  client: Client,
  entry: Pick<CatalogEntry, 'process' | 'definition' | 'schedule' | 'registration'>,
  settings: ScheduleSettings,
  explicit?: ScheduleState,
): Promise<SyncOutcome[] | undefined> {
  const { process, definition, schedule } = entry;
  const apiPauseNote = entry.registration?.apiPauseNote;
  if (!definition) return undefined;
  if (schedule instanceof Error || (schedule === null && process.triggerType === TriggerType.TimeBased)) {
    const why = schedule ?? { field: 'schedule_config', rule: 'is missing' };
    return pauseBrokenSchedule(
      client,
      process,
      brokenScheduleNote(process.name, why),
      settings,
      explicit,
      apiPauseNote,
    );
  }
  if (schedule === null) return undefined;
  return syncSchedule(client, process, schedule, definition, settings, explicit, apiPauseNote);
}

/**
 * Makes one process's Temporal schedule match its row, with one describe and at most one write:
 * creates it, or updates its spec, action and pause state together. `explicit` is a pause or resume
 * asked for now (with its note); without it the row's is_enabled decides (scheduleState, which undoes
 * the API's own pause, `apiPauseNote`, when the row is enabled). Bounded by the Temporal deadline.
 */
export async function syncSchedule(
  client: Client,
  process: ScheduledProcess,
  schedule: Schedule,
  definition: ProcessDefinition,
  settings: ScheduleSettings,
  explicit?: ScheduleState,
  apiPauseNote?: string | null,
): Promise<SyncOutcome[]> {
  // One clock for both, so a sync at a month's turn cannot write one horizon and compare another.
  const now = Date.now();
  const options = desiredSchedule(process, schedule, definition, settings, now);
  const fingerprint = scheduleFingerprint(definition, schedule, settings, now);
  let outcomes: SyncOutcome[] = [];
  try {
    // update() describes the schedule, lets us decide from what it holds, then writes once.
    await withTemporalDeadline(client, () =>
      client.schedule.getHandle(options.scheduleId).update((current) => {
        outcomes = [];
        const state = scheduleState(process, current.state, explicit, apiPauseNote);
        if (memoFingerprint(current) !== fingerprint) outcomes.push('updated');
        if (state.paused !== current.state.paused) outcomes.push(state.paused ? 'paused' : 'unpaused');
        const noteChanged = state.paused && (state.note ?? '') !== (current.state.note ?? '');
        if (outcomes.length === 0 && !noteChanged) throw UNCHANGED;
        return { ...options, state };
      }),
    );
  } catch (err) {
    if (err === UNCHANGED) return ['unchanged'];
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await withTemporalDeadline(client, () =>
      client.schedule.create({ ...options, state: scheduleState(process, undefined, explicit, apiPauseNote) }),
    );
    outcomes = ['created'];
  }
  return outcomes.length > 0 ? outcomes : ['updated'];
}

/**
 * Pauses the schedule of a row whose stored schedule cannot be read, with `note` saying why
 * (brokenScheduleState keeps a pause that stands for another reason). A missing schedule stays
 * missing: there is no valid spec to create it with.
 */
async function pauseBrokenSchedule(
  client: Client,
  process: ScheduledProcess,
  note: string,
  settings: ScheduleSettings,
  explicit: ScheduleState | undefined,
  apiPauseNote: string | null | undefined,
): Promise<SyncOutcome[]> {
  const handle = client.schedule.getHandle(scheduleIdFor(process.name, settings));
  return withTemporalDeadline(client, async () => {
    const described = await describeOrUndefined(handle);
    if (!described) return ['unchanged'];
    const state = brokenScheduleState(process, described.state, explicit, apiPauseNote, note);
    if (state.paused === described.state.paused && state.note === described.state.note) return ['unchanged'];
    await handle.pause(state.note);
    return [described.state.paused ? 'updated' : 'paused'];
  });
}

/** Deletes a process's schedule; a schedule that is already gone is fine. */
export async function deleteSchedule(
  client: Client,
  processName: string,
  settings: ScheduleSettings,
): Promise<boolean> {
  try {
    await withTemporalDeadline(client, () => client.schedule.getHandle(scheduleIdFor(processName, settings)).delete());
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
  return withTemporalDeadline(
    client,
    () => describeOrUndefined(client.schedule.getHandle(scheduleIdFor(processName, settings))),
    READ_DEADLINE_MS,
  );
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
