import { ArrayType, EntitySchema, OptionalProps } from '@mikro-orm/core';
import { TaskPriority, TaskStatus } from './enums';

/** Behflow's `tasks` table, as its init migration defines it. */
export class Task {
  [OptionalProps]?: 'taskId' | 'dateAddedGregorian' | 'priority' | 'status' | 'updatedAt';
  taskId!: string;
  userId!: string;
  name!: string;
  description?: string | null;
  dueDateGregorian?: Date | null;
  dateAddedGregorian!: Date;
  dueDateJalali?: string | null;
  dateAddedJalali!: string;
  priority!: TaskPriority;
  status!: TaskStatus;
  tags?: string[] | null;
  completedAt?: Date | null;
  updatedAt!: Date;
}

export const TaskSchema = new EntitySchema<Task>({
  class: Task,
  tableName: 'tasks',
  properties: {
    taskId: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    userId: { type: 'uuid' },
    name: { type: 'string', length: 255 },
    description: { type: 'text', nullable: true },
    dueDateGregorian: { type: 'Date', columnType: 'timestamptz', nullable: true },
    dateAddedGregorian: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
    dueDateJalali: { type: 'string', length: 50, nullable: true },
    dateAddedJalali: { type: 'string', length: 50 },
    priority: { enum: true, items: () => TaskPriority, nativeEnumName: 'priority_enum', default: TaskPriority.Medium },
    status: { enum: true, items: () => TaskStatus, nativeEnumName: 'status_enum', default: TaskStatus.Pending },
    tags: { type: ArrayType, columnType: 'text[]', nullable: true },
    completedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
    updatedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()' },
  },
});
