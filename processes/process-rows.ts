import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config';
import {
  AppliedEnvDefaults,
  AutomatedProcess,
  ProcessRegistration,
  TriggerType,
  type ScheduleConfig,
} from '../db/entities';
import { LOCK_KEYS, withAdvisoryLock, type Orm } from '../db/orm';
import type { ProcessDefinition } from './definition';
import { defaultScheduleFor } from './schedule-defaults';
import type { Logger } from '../platform/logger';

async function wasDeleted(em: EntityManager, name: string): Promise<boolean> {
  return (await em.count(ProcessRegistration, { displayName: name, deletedAt: { $ne: null } })) > 0;
}

function sameSchedule(a: ScheduleConfig, b: ScheduleConfig): boolean {
  return a.hour === b.hour && a.minute === b.minute && a.timezone === b.timezone;
}

/**
 * Creates the row of every registered process that has none (the seed's init step), and applies
 * the environment's schedule defaults when they changed since last applied. Precedence: the newest
 * change wins. An edited .env at restart overrides the schedule; an unchanged .env leaves alone a
 * schedule changed since through the API or SQL. Workers starting at once take turns.
 */
export async function ensureProcessRows(
  orm: Orm,
  registry: readonly ProcessDefinition[],
  config: Config,
  logger: Logger,
): Promise<void> {
  await withAdvisoryLock(orm, LOCK_KEYS.processRows, () => applyRegistry(orm, registry, config, logger));
}

async function applyRegistry(
  orm: Orm,
  registry: readonly ProcessDefinition[],
  config: Config,
  logger: Logger,
): Promise<void> {
  const em = orm.em.fork();
  for (const definition of registry) {
    const envSchedule = defaultScheduleFor(definition, config);
    const [row, applied] = await Promise.all([
      em.findOne(AutomatedProcess, { name: definition.name }),
      em.findOne(AppliedEnvDefaults, { processName: definition.name }),
    ]);
    if (!row && (await wasDeleted(em, definition.name))) {
      // Deleted through the API on purpose: the registry does not bring it back.
    } else if (!row) {
      const created = em.create(AutomatedProcess, {
        processId: randomUUID(),
        name: definition.name,
        description: definition.description,
        triggerType: envSchedule ? TriggerType.TimeBased : TriggerType.Manual,
        scheduleConfig: envSchedule,
        processConfig: definition.defaultProcessConfig,
        isEnabled: true,
      });
      await em.flush(); // the registration's foreign key needs the row first
      em.create(ProcessRegistration, {
        processId: created.processId,
        implementation: definition.name,
        displayName: definition.name,
      });
      logger.info(`Created automated process ${definition.name}`, { schedule: envSchedule });
    } else if (envSchedule && applied && !sameSchedule(applied.scheduleConfig, envSchedule)) {
      row.scheduleConfig = envSchedule;
      logger.info(`Environment defaults changed: ${definition.name} now runs at the new time`, {
        schedule: envSchedule,
      });
    }
    if (envSchedule && !applied) {
      em.create(AppliedEnvDefaults, { processName: definition.name, scheduleConfig: envSchedule });
    } else if (envSchedule && applied) {
      applied.scheduleConfig = envSchedule;
    }
    await em.flush();
  }
}
