import { EntitySchema, OptionalProps } from '@mikro-orm/core';
import type { ScheduleConfig } from './automated-process.entity';

/**
 * The environment defaults (e.g. RESCHEDULE_HOUR) last applied to a process. Startup applies the
 * environment only when it differs from this, so an unchanged .env never undoes an API change.
 */
export class AppliedEnvDefaults {
  [OptionalProps]?: 'appliedAt';
  processName!: string;
  scheduleConfig!: ScheduleConfig;
  appliedAt!: Date;
}

export const AppliedEnvDefaultsSchema = new EntitySchema<AppliedEnvDefaults>({
  class: AppliedEnvDefaults,
  tableName: 'automated_process_env_defaults',
  properties: {
    processName: { type: 'string', length: 255, primary: true },
    scheduleConfig: { type: 'json', columnType: 'jsonb' },
    appliedAt: { type: 'Date', columnType: 'timestamptz', defaultRaw: 'now()', onCreate: () => new Date() },
  },
});
