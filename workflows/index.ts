/** Every process workflow; the worker bundles this file. */
export { rescheduleRemainingTasks } from './reschedule-remaining-tasks';
export { archiveCompletedTasks } from './archive-completed-tasks';
export type { ProcessRunInput, ProcessRunOutcome } from './run-and-record';
