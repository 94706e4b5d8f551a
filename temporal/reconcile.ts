import type { Client } from '@temporalio/client';
import type { SharedConfig } from '../config';
import { TriggerType } from '../db/entities';
import { LOCK_KEYS, withAdvisoryLock, type Orm } from '../db/orm';
import type { Logger } from '../platform/logger';
import type { Services } from '../platform/services';
import { listLiveProcesses, type CatalogEntry } from '../processes/catalog';
import type { ProcessDefinition } from '../processes/definition';
import { ensureProcessRows } from '../processes/process-rows';
import { PROCESS_REGISTRY } from '../processes/registry';
import { formatIsoWithOffset } from '../time';
import { scheduleIdFor } from './ids';
import { MANAGED_BY, scheduleSettings, type ScheduleSettings } from './schedule-options';
import { RELOAD_DEADLINE_MS, withTemporalDeadline } from './deadline';
import { describeSchedule, syncEntrySchedule, type SyncOutcome } from './schedules';

export interface ReconcileDeps {
  readonly orm: Orm;
  readonly client: Client;
  readonly registry: readonly ProcessDefinition[];
  readonly settings: ScheduleSettings;
  readonly logger: Logger;
  /** Leave out the "Scheduled jobs" lines (the worker's periodic pass). */
  readonly quiet?: boolean;
}

export type ReconcileReport = Record<SyncOutcome | 'deleted' | 'invalid', string[]>;

/**
 * The seed's reload_schedules: makes Temporal's schedules match the automated_processes rows.
 * Creates missing schedules, updates changed ones, pauses disabled ones and ones whose stored
 * schedule breaks the rules (with a note saying why), deletes orphans we own. Idempotent: a second
 * run reports everything unchanged. Holds the schedules lock for its whole run, so an API write
 * (which shares it) never lands between its reading the rows and acting on them.
 */
export async function reconcileSchedules(deps: ReconcileDeps): Promise<ReconcileReport> {
  return withAdvisoryLock(deps.orm, LOCK_KEYS.schedules, () => reconcileLocked(deps));
}

async function reconcileLocked(deps: ReconcileDeps): Promise<ReconcileReport> {
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
  const scheduled: { name: string; timezone: string }[] = [];

  for (const read of entries) {
    const { process, implementation, definition } = read;
    // A row that exists keeps its schedule even when it cannot be updated now (bad config).
    wanted.add(scheduleIdFor(process.name, settings));
    if (!definition) {
      logger.warn(`No implementation "${implementation}" is registered for automated process "${process.name}"`);
      report.invalid.push(process.name);
      continue;
    }
    const sync = (entry: CatalogEntry) =>
      withTemporalDeadline(client, () => syncEntrySchedule(client, entry, settings), RELOAD_DEADLINE_MS);
    const { schedule } = read;
    let outcomes: SyncOutcome[] | undefined;
    if (schedule !== null && !(schedule instanceof Error)) outcomes = await sync(read);
    if (schedule === null || schedule instanceof Error) {
      const why = schedule?.message ?? 'schedule_config is missing';
      logger.error(`Automated process "${process.name}" has a bad schedule, so its schedule is paused: ${why}`);
      report.invalid.push(process.name);
      outcomes = (await sync({ ...read, schedule }))?.filter((outcome) => outcome !== 'unchanged');
    } else if (process.isEnabled) {
      scheduled.push({ name: process.name, timezone: schedule.timezone });
    }
    for (const outcome of outcomes ?? []) report[outcome].push(process.name);
  }

  for await (const summary of client.schedule.list()) {
    const memo = summary.memo ?? {};
    const owned = memo.managedBy === MANAGED_BY && memo.taskQueue === settings.taskQueue;
    if (!owned || wanted.has(summary.scheduleId)) continue;
    await withTemporalDeadline(
      client,
      () => client.schedule.getHandle(summary.scheduleId).delete(),
      RELOAD_DEADLINE_MS,
    );
    report.deleted.push(String(memo.process ?? summary.scheduleId));
  }

  if (!deps.quiet) await logScheduledJobs(client, settings, scheduled, logger);
  return report;
}

/** Process rows from the registry and the settings, then schedules from the rows: what every start does. */
export async function syncProcessesAndSchedules(
  services: Pick<Services, 'orm' | 'client'>,
  config: SharedConfig,
  logger: Logger,
  registry: readonly ProcessDefinition[] = PROCESS_REGISTRY,
): Promise<ReconcileReport> {
  await ensureProcessRows(services.orm, registry, config, logger);
  return reconcileSchedules({
    orm: services.orm,
    client: services.client,
    registry,
    settings: scheduleSettings(config),
    logger,
  });
}

/** The seed's startup lines: "Scheduled jobs: N", then each job's next run in its own zone. */
async function logScheduledJobs(
  client: Client,
  settings: ScheduleSettings,
  jobs: readonly { name: string; timezone: string }[],
  logger: Logger,
): Promise<void> {
  logger.info(`Scheduled jobs: ${jobs.length}`);
  for (const job of jobs) {
    const described = await withTemporalDeadline(
      client,
      () => describeSchedule(client, job.name, settings),
      RELOAD_DEADLINE_MS,
    );
    const next = described?.info.nextActionTimes[0];
    const when = next ? formatIsoWithOffset(job.timezone, next.getTime()).replace('T', ' ') : 'none';
    logger.info(`  - ${job.name}: next run at ${when}`);
  }
}
