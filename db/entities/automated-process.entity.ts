import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import { TriggerType } from './enums';

/** `{"hour": 7, "minute": 30, "timezone": "Asia/Tehran"}`, as Behflow stores it. */
export interface ScheduleConfig {
  hour: number;
  minute: number;
  timezone: string;
}

export type ProcessConfig = Record<string, unknown>;

/** Behflow's `automated_processes` table. */
export class AutomatedProcess {
  [OptionalProps]?: 'processId' | 'createdAt' | 'updatedAt' | 'isEnabled';
  processId!: string;
  name!: string;
  description?: string | null;
  triggerType!: TriggerType;
  scheduleConfig?: ScheduleConfig | null;
  processConfig?: ProcessConfig | null;
  isEnabled: boolean = true;
  createdAt!: Date;
  updatedAt!: Date;
  lastExecutedAt?: Date | null;
}

export const AutomatedProcessSchema = new EntitySchema<AutomatedProcess>({
  class: AutomatedProcess,
  tableName: 'automated_processes',
  properties: {
    processId: { type: 'uuid', primary: true, defaultRaw: 'gen_random_uuid()' },
    name: { type: 'string', length: 255, unique: true },
    description: { type: 'text', nullable: true },
    triggerType: { enum: true, items: () => TriggerType, nativeEnumName: 'trigger_type_enum' },
    scheduleConfig: { type: 'json', columnType: 'jsonb', nullable: true },
    processConfig: { type: 'json', columnType: 'jsonb', nullable: true },
    isEnabled: { type: 'boolean', default: true },
    createdAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()', onCreate: () => new Date() },
    updatedAt: {
      type: 'Date',
      columnType: 'timestamptz',
      defaultRaw: 'now()',
      onCreate: () => new Date(),
      onUpdate: () => new Date(),
    },
    lastExecutedAt: { type: 'Date', columnType: 'timestamptz', nullable: true },
  },
});
