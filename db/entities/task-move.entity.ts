import { EntitySchema, OptionalProps } from '@mikro-orm/core';

/** Audit: one row per task a run moved, with its due date before and after in both calendars. */
export class TaskMove {
  [OptionalProps]?: 'id' | 'movedAt';
  id!: string;
  executionId!: string;
  taskId!: string;
  oldDueGregorian?: Date | null;
  newDueGregorian!: Date;
  oldDueJalali?: string | null;
  newDueJalali!: string;
  movedAt!: Date;
}

export const TaskMoveSchema = new EntitySchema<TaskMove>({
  class: TaskMove,
  tableName: 'automated_process_task_moves',
  properties: {
    id: { type: 'bigint', primary: true, autoincrement: true },
    executionId: { type: 'uuid' },
    taskId: { type: 'uuid' },
    oldDueGregorian: { type: 'Date', columnType: 'timestamptz', nullable: true },
    newDueGregorian: { type: 'Date', columnType: 'timestamptz' },
    oldDueJalali: { type: 'string', length: 50, nullable: true },
    newDueJalali: { type: 'string', length: 50 },
    movedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
