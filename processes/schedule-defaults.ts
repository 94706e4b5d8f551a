import type { SharedConfig } from '../config';
import type { Schedule } from '../config/schedule';
import type { ProcessDefinition } from './definition';

/** The schedule a new row of this process starts with (its settings, read at startup); null: manual only. */
export function defaultScheduleFor(definition: ProcessDefinition, config: SharedConfig): Schedule | null {
  if (!definition.defaultSchedule) return null;
  const schedule = config.processSchedules[definition.name];
  if (!schedule) {
    throw new Error(`process "${definition.name}" was not in the registry its settings were loaded with (loadConfig)`);
  }
  return schedule;
}
