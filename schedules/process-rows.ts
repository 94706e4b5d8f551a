import type { Config } from '../config';
import { AppliedEnvDefaults, AutomatedProcess, type ScheduleConfig } from '../db/entities';
import type { Orm } from '../db/orm';
import type { ProcessDefinition } from '../processes/definition';
import type { Logger } from '../worker/logger';

function sameSchedule(a: ScheduleConfig, b: ScheduleConfig): boolean {
  return a.hour === b.hour && a.minute === b.minute && a.timezone === b.timezone;
}

/**
 * Creates the row of every registered process that has none (the seed's init step), and applies
 * the environment's schedule defaults when they changed since last applied. Precedence: the newest
 * change wins. An edited .env at restart overrides the schedule; an unchanged .env leaves alone a
 * schedule changed since through the API or SQL.
 */
export async function ensureProcessRows(
  orm: Orm,
  registry: readonly ProcessDefinition[],
  config: Config,
  logger: Logger,
): Promise<void> {
  const em = orm.em.fork();
  for (const definition of registry) {
    const fromEnv = definition.defaultSchedule(config);
    const envSchedule: ScheduleConfig = { hour: fromEnv.hour, minute: fromEnv.minute, timezone: fromEnv.timezone };
    const [row, applied] = await Promise.all([
      em.findOne(AutomatedProcess, { name: definition.name }),
      em.findOne(AppliedEnvDefaults, { processName: definition.name }),
    ]);
    if (!row) {
      em.create(AutomatedProcess, {
        name: definition.name,
        description: definition.description,
        triggerType: definition.triggerType,
        scheduleConfig: envSchedule,
        processConfig: definition.defaultProcessConfig,
        isEnabled: true,
      });
      logger.info(`Created automated process ${definition.name}`, { schedule: envSchedule });
    } else if (applied && !sameSchedule(applied.scheduleConfig, envSchedule)) {
      row.scheduleConfig = envSchedule;
      logger.info(`Environment defaults changed: ${definition.name} now runs at the new time`, {
        schedule: envSchedule,
      });
    }
    if (!applied) {
      em.create(AppliedEnvDefaults, { processName: definition.name, scheduleConfig: envSchedule });
    } else {
      applied.scheduleConfig = envSchedule;
    }
    await em.flush();
  }
}
