import type { Config, ScheduleDefaults } from '../config';
import type { TriggerType } from '../db/entities';
import type * as workflows from '../workflows';

/** One registry entry: what makes a process out of a workflow, its activities and its defaults. */
export interface ProcessDefinition {
  /** The implementation's name, also the default process name (as in the seed). */
  readonly name: string;
  readonly description: string;
  readonly workflowType: keyof typeof workflows & string;
  readonly triggerType: TriggerType;
  /** The schedule a new process row starts with; taken from the environment where the seed did. */
  readonly defaultSchedule: (config: Config) => ScheduleDefaults;
  readonly defaultProcessConfig: Record<string, unknown>;
  /** Throws InvalidProcessConfigError naming the field; the activities parse the same way. */
  readonly validateProcessConfig: (raw: unknown) => void;
}
