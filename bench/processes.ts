import type { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../config';
import type { Orm } from '../db/orm';
import { PROCESS_REGISTRY } from '../processes/registry';
import { scheduleIdFor } from '../temporal/ids';
import { ensureProcessRows } from '../processes/process-rows';
import { reconcileSchedules } from '../temporal/reconcile';
import { deleteSchedule } from '../temporal/schedules';
import { localDateTimeAt } from '../time';
import { silentLogger } from '../platform/logger';

export const ZONE = 'Asia/Tehran';
export const RESCHEDULE = 'reschedule_remaining_tasks';

/**
 * The service's config for one measurement: its own task queue, and daily schedules twelve hours
 * from now, so that no scheduled run fires by itself while the benchmark runs.
 */
export function benchConfig(taskQueue: string): Config {
  const hour = (Math.floor(localDateTimeAt(ZONE, Date.now()).secondsOfDay / 3600) + 12) % 24;
  return loadConfig(
    {
      BEHFLOW_TIMEZONE: ZONE,
      RESCHEDULE_HOUR: String(hour),
      RESCHEDULE_MINUTE: '0',
      ARCHIVE_HOUR: String(hour),
      ARCHIVE_MINUTE: '30',
      TEMPORAL_TASK_QUEUE: taskQueue,
    },
    PROCESS_REGISTRY,
  );
}

/** Process rows and their schedules, exactly as the worker creates them at startup. */
export async function createProcessesAndSchedules(orm: Orm, client: Client, config: Config): Promise<void> {
  await ensureProcessRows(orm, PROCESS_REGISTRY, config, silentLogger);
  await reconcileSchedules({
    orm,
    client,
    registry: PROCESS_REGISTRY,
    settings: { taskQueue: config.taskQueue, catchupWindowMinutes: config.catchupWindowMinutes },
    logger: silentLogger,
  });
}

export async function deleteSchedules(client: Client, config: Config, names: readonly string[]): Promise<void> {
  const settings = { taskQueue: config.taskQueue, catchupWindowMinutes: config.catchupWindowMinutes };
  for (const name of names) await deleteSchedule(client, name, settings).catch(() => false);
}

export function scheduleId(config: Config, name: string): string {
  return scheduleIdFor(name, config);
}
