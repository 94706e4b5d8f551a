import type { SharedConfig } from '../config';
import { TriggerType } from '../db/entities';
import type { Logger } from '../platform/logger';
import type { Services } from '../platform/services';
import { listLiveProcesses } from '../processes/catalog';
import type { ProcessDefinition } from '../processes/definition';
import { PROCESS_REGISTRY } from '../processes/registry';
import { reconcileSchedules } from '../temporal/reconcile';
import { scheduleSettings } from '../temporal/schedule-options';

/**
 * How often the worker makes the schedules follow the rows: a change to automated_processes made by
 * anyone (Behflow's startup rewriting schedule_config, an operator's SQL) reaches its Temporal
 * schedule within this long, without a restart. The same pass moves each calendar's horizon.
 */
export const FOLLOW_ROWS_INTERVAL_MS = 30_000;

/** Each time-based process's time as its row has it, e.g. "06:45 Asia/Tehran" (or why it has none). */
export async function rowTimes(
  services: Pick<Services, 'orm'>,
  registry: readonly ProcessDefinition[] = PROCESS_REGISTRY,
): Promise<Map<string, string>> {
  const entries = await listLiveProcesses(services.orm.em.fork(), registry);
  const times = new Map<string, string>();
  for (const { process, schedule } of entries) {
    if (process.triggerType !== TriggerType.TimeBased) continue;
    const time =
      schedule === null
        ? 'no schedule'
        : schedule instanceof Error
          ? `a bad schedule (${schedule.message})`
          : `${String(schedule.hour).padStart(2, '0')}:${String(schedule.minute).padStart(2, '0')} ${schedule.timezone}`;
    times.set(process.name, process.isEnabled ? time : `${time}, disabled`);
  }
  return times;
}

/** The log lines for what changed between two readings of the rows. */
export function rowChanges(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  for (const [name, time] of after) {
    const was = before.get(name);
    if (was === undefined) lines.push(`process ${name} appeared in the database: ${time}`);
    else if (was !== time) lines.push(`schedule of ${name} changed in the database: ${was} → ${time}`);
  }
  for (const name of before.keys()) {
    if (!after.has(name)) lines.push(`process ${name} is gone from the database`);
  }
  return lines;
}

/**
 * One pass of following the rows: reads them, logs what changed since the last pass (`seen`, updated
 * in place), and reconciles the schedules quietly (no "Scheduled jobs" lines every 30 seconds). It
 * never creates rows: that is the start's job, and a row Behflow deleted stays deleted.
 */
export async function followRows(
  services: Pick<Services, 'orm' | 'client'>,
  config: SharedConfig,
  logger: Logger,
  seen: Map<string, string>,
  registry: readonly ProcessDefinition[] = PROCESS_REGISTRY,
): Promise<void> {
  const now = await rowTimes(services, registry);
  for (const line of rowChanges(seen, now)) logger.info(line);
  await reconcileSchedules({
    orm: services.orm,
    client: services.client,
    registry,
    settings: scheduleSettings(config),
    logger,
    quiet: true,
  });
  seen.clear();
  for (const [name, time] of now) seen.set(name, time);
}
