import { createArchiveActivities } from './archive-completed-tasks';
import type { ActivityDeps } from './deps';
import { createExecutionActivities } from './executions';
import { createRescheduleActivities } from './reschedule-remaining-tasks';

export type { ActivityDeps } from './deps';

/** Every activity the worker registers; workflows proxy them by this type. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createExecutionActivities(deps),
    ...createRescheduleActivities(deps),
    ...createArchiveActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
