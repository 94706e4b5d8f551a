import type { Client, ScheduleHandle } from '@temporalio/client';
import { TriggerType } from '../db/entities';
import type { Orm } from '../db/orm';
import { listLiveProcesses } from './catalog';
import { InvalidProcessConfigError } from './config-error';
import type { ProcessDefinition } from './definition';
import { formatIsoWithOffset } from '../time';
import type { Logger } from '../platform/logger';
import { MANAGED_BY, type ScheduleSettings } from '../temporal/schedule-options';
import { scheduleIdFor } from '../temporal/ids';
import { syncProcessSchedule, type SyncOutcome } from '../temporal/schedules';

export interface ReconcileDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly registry: readonly ProcessDefinition[];
  readonly settings: ScheduleSettings;
  readonly logger: Logger;
}

export type ReconcileReport = Record<SyncOutcome | 'deleted' | 'invalid', string[]>;

/**
 * The seed's reload_schedules: makes Temporal's schedules match the automated_processes rows.
 * Creates missing schedules, updates changed ones, pauses disabled ones, deletes orphans we own.
 * Idempotent: a second run reports everything unchanged.
 */
export async function reconcileSchedules(deps: ReconcileDeps): Promise<ReconcileReport> {
  const { orm, client, registry, settings, logger } = deps;
  const report: ReconcileReport = {
    created: [],
    updated: [],
    paused: [],
    unpaused: [],
    unchanged: [],
    deleted: [],
    invalid: [],
  };
  const entries = (await listLiveProcesses(orm.em.fork(), registry)).filter(
    (e) => e.process.triggerType === TriggerType.TimeBased,
  );
  const wanted = new Set<string>();
  const scheduled: { name: string; timezone: string; handle: ScheduleHandle }[] = [];

  for (const { process, implementation, definition } of entries) {
    // A row that exists keeps its schedule even when it cannot be updated now (bad config).
    wanted.add(scheduleIdFor(process.name, settings));
    if (!definition) {
      logger.warn(`No implementation "${implementation}" is registered for automated process "${process.name}"`);
      report.invalid.push(process.name);
      continue;
    }
    try {
      for (const outcome of await syncProcessSchedule(client, process, definition, settings)) {
        report[outcome].push(process.name);
      }
    } catch (err) {
      if (!(err instanceof InvalidProcessConfigError)) throw err;
      logger.error(`Automated process "${process.name}" has a bad schedule: ${err.message}`);
      report.invalid.push(process.name);
      continue;
    }
    if (process.isEnabled) {
      scheduled.push({
        name: process.name,
        timezone: process.scheduleConfig?.timezone ?? 'UTC',
        handle: client.schedule.getHandle(scheduleIdFor(process.name, settings)),
      });
    }
  }

  for await (const summary of client.schedule.list()) {
    const memo = summary.memo ?? {};
    const owned = memo.managedBy === MANAGED_BY && memo.taskQueue === settings.taskQueue;
    if (!owned || wanted.has(summary.scheduleId)) continue;
    await client.schedule.getHandle(summary.scheduleId).delete();
    report.deleted.push(String(memo.process ?? summary.scheduleId));
  }

  await logScheduledJobs(scheduled, logger);
  return report;
}

/** The seed's startup lines: "Scheduled jobs: N", then each job's next run in its own zone. */
async function logScheduledJobs(
  jobs: readonly { name: string; timezone: string; handle: ScheduleHandle }[],
  logger: Logger,
): Promise<void> {
  logger.info(`Scheduled jobs: ${jobs.length}`);
  for (const job of jobs) {
    const next = (await job.handle.describe()).info.nextActionTimes[0];
    const when = next ? formatIsoWithOffset(job.timezone, next.getTime()).replace('T', ' ') : 'none';
    logger.info(`  - ${job.name}: next run at ${when}`);
  }
}
