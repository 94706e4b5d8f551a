import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { SharedConfig } from '../config';
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
 * Why this database already holds Behflow's processes, or undefined when it does not. The rule: a row
 * of automated_processes that this service did not create (it has no registration of ours, which this
 * service writes with every row it creates), or a run this service did not record (an execution row
 * without our `trigger`, i.e. one Behflow's own scheduler wrote). The second outlives the first once the
 * API has written a registration for Behflow's row.
 */
async function behflowDataIn(em: EntityManager): Promise<string | undefined> {
  const connection = em.getConnection();
  const [foreignRow] = await connection.execute<{ name: string }[]>(
    `SELECT p.name FROM automated_processes p
       LEFT JOIN automated_process_registrations r ON r.process_id = p.process_id
      WHERE r.process_id IS NULL ORDER BY p.name LIMIT 1`,
  );
  if (foreignRow) return `automated_processes already held ${foreignRow.name}, which this service did not create`;
  const [foreignRun] = await connection.execute<{ name: string }[]>(
    `SELECT p.name FROM automated_process_executions e JOIN automated_processes p ON p.process_id = e.process_id
      WHERE e.trigger IS NULL LIMIT 1`,
  );
  if (foreignRun) return `automated_process_executions holds runs of ${foreignRun.name} this service did not record`;
  return undefined;
}

/** How to switch on a process created disabled, for the log line (the schedule's note says it too). */
export function howToEnable(name: string): string {
  return `PATCH /processes/${name} {"enabled": true}, POST /processes/${name}/resume, or UPDATE automated_processes SET is_enabled = true WHERE name = '${name}'`;
}

/**
 * Creates the row of every registered process that has none (the seed's init step), and applies
 * the environment's schedule defaults when they changed since last applied. Precedence: the newest
 * change wins. An edited .env at restart overrides the schedule; an unchanged .env leaves alone a
 * schedule changed since through the API or SQL. Workers starting at once take turns.
 *
 * Adoption is additive and opt-in: on a database that already holds Behflow's processes
 * (behflowDataIn), a process Behflow never had is created disabled, so its schedule starts paused
 * until an operator enables it; on an empty database it starts enabled. Behflow's rows stay as they are.
 */
export async function ensureProcessRows(
  orm: Orm,
  registry: readonly ProcessDefinition[],
  config: SharedConfig,
  logger: Logger,
): Promise<void> {
  await withAdvisoryLock(orm, LOCK_KEYS.processRows, () => applyRegistry(orm, registry, config, logger));
}

async function applyRegistry(
  orm: Orm,
  registry: readonly ProcessDefinition[],
  config: SharedConfig,
  logger: Logger,
): Promise<void> {
  const em = orm.em.fork();
  // Asked once, before this run creates anything, and only when a row is missing.
  let behflowData: Promise<string | undefined> | undefined;
  for (const definition of registry) {
    const envSchedule = defaultScheduleFor(definition, config);
    const [row, applied] = await Promise.all([
      em.findOne(AutomatedProcess, { name: definition.name }),
      em.findOne(AppliedEnvDefaults, { processName: definition.name }),
    ]);
    if (!row && (await wasDeleted(em, definition.name))) {
      // Deleted through the API on purpose: the registry does not bring it back.
    } else if (!row) {
      const adopted = await (behflowData ??= behflowDataIn(em));
      const created = em.create(AutomatedProcess, {
        processId: randomUUID(),
        name: definition.name,
        description: definition.description,
        triggerType: envSchedule ? TriggerType.TimeBased : TriggerType.Manual,
        scheduleConfig: envSchedule,
        processConfig: definition.defaultProcessConfig,
        isEnabled: adopted === undefined,
      });
      await em.flush(); // the registration's foreign key needs the row first
      em.create(ProcessRegistration, {
        processId: created.processId,
        implementation: definition.name,
        displayName: definition.name,
      });
      if (adopted === undefined) {
        logger.info(`Created automated process ${definition.name}`, { schedule: envSchedule });
      } else {
        logger.warn(
          `${definition.name} was created disabled: this database already held Behflow's processes (${adopted}); ` +
            `enable it with ${howToEnable(definition.name)}`,
          { schedule: envSchedule },
        );
      }
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
