import { ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { AutomatedProcess, TriggerType } from '../db/entities';
import type { Orm } from '../db/orm';
import type { ProcessDefinition } from '../processes/definition';
import { formatIsoWithOffset } from '../time';
import type { Logger } from '../worker/logger';
import {
  desiredSchedule,
  DISABLED_NOTE,
  MANAGED_BY,
  scheduleFingerprint,
  scheduleIdFor,
  type ScheduleSettings,
} from './desired-schedule';
import { parseScheduleConfig } from './schedule-config';

export interface ReconcileDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly registry: readonly ProcessDefinition[];
  readonly settings: ScheduleSettings;
  readonly logger: Logger;
}

export interface ReconcileReport {
  readonly created: string[];
  readonly updated: string[];
  readonly paused: string[];
  readonly unpaused: string[];
  readonly deleted: string[];
  readonly unchanged: string[];
  readonly invalid: string[];
}

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
    deleted: [],
    unchanged: [],
    invalid: [],
  };
  const processes = await orm.em.fork().find(
    AutomatedProcess,
    { triggerType: TriggerType.TimeBased },
    {
      orderBy: { name: 'asc' },
    },
  );
  const wanted = new Set<string>();
  const scheduled: { name: string; timezone: string; handle: ScheduleHandle }[] = [];

  for (const process of processes) {
    // A row that exists keeps its schedule even when it cannot be updated now (bad config).
    wanted.add(scheduleIdFor(process.name, settings));
    const definition = registry.find((d) => d.name === process.name);
    if (!definition) {
      logger.warn(`No implementation is registered for automated process "${process.name}"; it gets no schedule`);
      report.invalid.push(process.name);
      continue;
    }
    let schedule;
    try {
      schedule = parseScheduleConfig(process.scheduleConfig);
    } catch (err) {
      logger.error(`Automated process "${process.name}" has a bad schedule: ${(err as Error).message}`);
      report.invalid.push(process.name);
      continue;
    }
    const options = desiredSchedule(process, schedule, definition, settings);
    const handle = client.schedule.getHandle(options.scheduleId);
    const described = await describeOrUndefined(handle);
    if (!described) {
      await client.schedule.create(options);
      report.created.push(process.name);
    } else {
      let changed = false;
      if (memoFingerprint(described) !== scheduleFingerprint(definition, schedule, settings)) {
        // Keep the pause state and its note: an operator's pause must survive a reload.
        await handle.update((previous) => ({ ...options, state: previous.state }));
        report.updated.push(process.name);
        changed = true;
      }
      if (!process.isEnabled && !described.state.paused) {
        await handle.pause(options.state?.note);
        report.paused.push(process.name);
        changed = true;
      } else if (process.isEnabled && described.state.paused && wasPausedForDisabling(described)) {
        await handle.unpause('Resumed: the process is enabled');
        report.unpaused.push(process.name);
        changed = true;
      }
      if (!changed) report.unchanged.push(process.name);
    }
    if (process.isEnabled) scheduled.push({ name: process.name, timezone: schedule.timezone, handle });
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

/**
 * Only a pause that reload itself made (for a disabled row) is undone by reload; a pause from the
 * Web UI, the CLI or the API stays until someone resumes it.
 */
function wasPausedForDisabling(described: ScheduleDescription): boolean {
  return described.state.note === DISABLED_NOTE;
}

function memoFingerprint(described: ScheduleDescription): unknown {
  return described.action.type === 'startWorkflow' ? described.action.memo?.scheduleFingerprint : undefined;
}

async function describeOrUndefined(handle: ScheduleHandle): Promise<ScheduleDescription | undefined> {
  try {
    return await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

/** The seed's startup lines: "Scheduled jobs: N", then each job's next run in its own zone. */
async function logScheduledJobs(
  jobs: readonly { name: string; timezone: string; handle: ScheduleHandle }[],
  logger: Logger,
): Promise<void> {
  logger.info(`Scheduled jobs: ${jobs.length}`);
  for (const job of jobs) {
    const next = (await job.handle.describe()).info.nextActionTimes[0];
    logger.info(
      `  - ${job.name}: next run at ${next ? formatIsoWithOffset(job.timezone, next.getTime()).replace('T', ' ') : 'none'}`,
    );
  }
}
