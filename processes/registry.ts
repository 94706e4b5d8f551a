import { createArchiveActivities, parseArchiveConfig } from '../activities/archive-completed-tasks';
import { createRescheduleActivities, parseRescheduleConfig } from '../activities/reschedule-remaining-tasks';
import { previewArchive } from '../activities/archive-preview';
import { previewReschedule } from '../activities/reschedule-preview';
import type { ProcessDefinition, WorkflowTypes } from './definition';

/**
 * The registry of process implementations. A new process is one workflow file (workflows/), one
 * activities file (activities/) and one entry here; the worker bundles the entry's workflow and
 * registers its activities, and startup creates its row and its schedule.
 */
export const PROCESS_REGISTRY: readonly ProcessDefinition[] = [
  {
    name: 'reschedule_remaining_tasks',
    description: 'Moves incomplete tasks from previous days to the current day, keeping their time of day',
    workflow: {
      module: require.resolve('../workflows/reschedule-remaining-tasks'),
      type: 'rescheduleRemainingTasks' satisfies WorkflowTypes<
        typeof import('../workflows/reschedule-remaining-tasks')
      >,
    },
    createActivities: createRescheduleActivities,
    defaultSchedule: { hour: 7, minute: 30 },
    // The seed's own settings, as Behflow's .env has them.
    scheduleVariables: { hour: 'RESCHEDULE_HOUR', minute: 'RESCHEDULE_MINUTE' },
    defaultProcessConfig: { include_statuses: ['pending', 'in_progress'], update_to_today: true },
    validateProcessConfig: parseRescheduleConfig,
    preview: previewReschedule,
  },
  {
    name: 'archive_completed_tasks',
    description: 'Tags tasks completed more than N days ago (process_config.older_than_days) as archived',
    workflow: {
      module: require.resolve('../workflows/archive-completed-tasks'),
      type: 'archiveCompletedTasks' satisfies WorkflowTypes<typeof import('../workflows/archive-completed-tasks')>,
    },
    createActivities: createArchiveActivities,
    defaultSchedule: { hour: 3, minute: 0 },
    // Earlier releases documented these; PROCESS_ARCHIVE_COMPLETED_TASKS_HOUR/_MINUTE work as well.
    scheduleVariables: { hour: 'ARCHIVE_HOUR', minute: 'ARCHIVE_MINUTE' },
    defaultProcessConfig: { older_than_days: 30 },
    validateProcessConfig: parseArchiveConfig,
    preview: previewArchive,
  },
];
