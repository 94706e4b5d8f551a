import { parseArchiveConfig } from '../activities/archive-completed-tasks';
import { parseRescheduleConfig } from '../activities/reschedule-remaining-tasks';
import { TriggerType } from '../db/entities';
import type { ProcessDefinition } from './definition';

/**
 * The registry of process implementations. A new process is one workflow (workflows/), its
 * activities (activities/), and one entry here; startup creates its row and its schedule.
 */
export const PROCESS_REGISTRY: readonly ProcessDefinition[] = [
  {
    name: 'reschedule_remaining_tasks',
    description: 'Moves incomplete tasks from previous days to the current day, keeping their time of day',
    workflowType: 'rescheduleRemainingTasks',
    triggerType: TriggerType.TimeBased,
    defaultSchedule: (config) => config.reschedule,
    defaultProcessConfig: { include_statuses: ['pending', 'in_progress'], update_to_today: true },
    validateProcessConfig: parseRescheduleConfig,
  },
  {
    name: 'archive_completed_tasks',
    description: 'Tags tasks completed more than N days ago (process_config.older_than_days) as archived',
    workflowType: 'archiveCompletedTasks',
    triggerType: TriggerType.TimeBased,
    defaultSchedule: (config) => config.archive,
    defaultProcessConfig: { older_than_days: 30 },
    validateProcessConfig: parseArchiveConfig,
  },
];

export function findProcessDefinition(name: string): ProcessDefinition | undefined {
  return PROCESS_REGISTRY.find((definition) => definition.name === name);
}
