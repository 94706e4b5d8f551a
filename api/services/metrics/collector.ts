import { IsolationLevel } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Orm } from '../../../db/orm';
import { LATENESS_BUCKETS, RUN_DURATION_BUCKETS } from './buckets';
import { histogramRegistry, ProcessHistogram } from './histograms';
import { ClosedRowWindow, FLOOR_MARGIN_SECONDS, floorSql } from './closed-rows';
import { nominalTimesBefore, nominalTimesSince, type NominalTimeGroup } from './nominal-times';
import { deliveriesEndedBefore, deliveriesEndedSince, pendingDeliveries, type DeliveryGroup } from './notifications';
import { processStates } from './processes';
import { runsClosedBefore, runsClosedSince, type RunGroup } from './runs';

function defineMetrics(registers: Registry[]) {
  return {
    runs: new Counter({
      name: 'behflow_runs_total',
      help: 'Runs that ended (their row has completed_at), by process, final status and trigger',
      labelNames: ['process', 'status', 'trigger'] as const,
      registers,
    }),
    duration: new ProcessHistogram(
      'behflow_run_duration_seconds',
      'From started_at to completed_at of each run that ended, by process',
      RUN_DURATION_BUCKETS,
    ),
    moved: new Counter({
      name: 'behflow_tasks_moved_total',
      help: 'Tasks rescheduled or archived, from the result of each run that ended, by process',
      labelNames: ['process'] as const,
      registers,
    }),
    skipped: new Counter({
      name: 'behflow_runs_skipped_total',
      help: 'Nominal times the day ledger recorded as skipped (no run, and why), by process',
      labelNames: ['process'] as const,
      registers,
    }),
    missed: new Counter({
      name: 'behflow_runs_missed_total',
      help: 'Nominal times the day ledger recorded as missed (outside the catch-up window), by process',
      labelNames: ['process'] as const,
      registers,
    }),
    lateness: new ProcessHistogram(
      'behflow_schedule_lateness_seconds',
      "From a scheduled run's nominal time to its row's started_at, observed when the run ends, by process",
      LATENESS_BUCKETS,
    ),
    lastSuccess: new Gauge({
      name: 'behflow_process_last_success_timestamp_seconds',
      help: 'completed_at of the latest run that completed, by process (unix seconds)',
      labelNames: ['process'] as const,
      registers,
    }),
    enabled: new Gauge({
      name: 'behflow_process_enabled',
      help: "1 when the process is enabled (is_enabled), else 0, by process and Behflow's trigger type",
      labelNames: ['process', 'trigger_type'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'behflow_notification_deliveries_total',
      help: 'Notification deliveries that ended, by process, channel kind and outcome (delivered, given_up)',
      labelNames: ['process', 'channel', 'outcome'] as const,
      registers,
    }),
    pending: new Gauge({
      name: 'behflow_notification_deliveries_pending',
      help: 'Notification deliveries neither delivered nor given up yet, by process and channel kind',
      labelNames: ['process', 'channel'] as const,
      registers,
    }),
  };
}

type Metrics = ReturnType<typeof defineMetrics>;

/** What one scrape read, in one snapshot; applied to the metrics only once all of it was read. */
interface Reading {
  readonly floor: string;
  readonly runs: { before: RunGroup[]; since: Awaited<ReturnType<typeof runsClosedSince>> };
  readonly nominal: { before: NominalTimeGroup[]; since: Awaited<ReturnType<typeof nominalTimesSince>> };
  readonly deliveries: { before: DeliveryGroup[]; since: Awaited<ReturnType<typeof deliveriesEndedSince>> };
  readonly pending: Awaited<ReturnType<typeof pendingDeliveries>>;
  readonly processes: Awaited<ReturnType<typeof processStates>>;
}

interface RunState {
  /** Each process's latest completed_at so far. */
  readonly lastSuccess: Map<string, number>;
  /** The processes whose series exist (had a run, or were zeroed). */
  readonly processes: Set<string>;
}

/**
 * Series of a scheduled process that has not run yet, at zero: Prometheus's increase() counts from a
 * series' first sample, so a first failed or late run would otherwise raise no alert.
 */
function zeroScheduled(metrics: Metrics, state: RunState, processes: Reading['processes']): void {
  for (const { process, triggerType } of processes) {
    if (triggerType !== 'time_based' || state.processes.has(process)) continue;
    state.processes.add(process);
    metrics.runs.inc({ process, status: 'failed', trigger: 'schedule' }, 0);
    metrics.lateness.zero(process);
  }
}

/** Adds closed runs to the metrics. */
function applyRuns(metrics: Metrics, state: RunState, groups: readonly RunGroup[]): void {
  const { lastSuccess } = state;
  for (const group of groups) {
    const { process } = group;
    state.processes.add(process);
    metrics.runs.inc({ process, status: group.status, trigger: group.trigger }, group.runs);
    // A failure's series exists before the first failure, so that increase() sees the first one too.
    metrics.runs.inc({ process, status: 'failed', trigger: group.trigger }, 0);
    metrics.moved.inc({ process }, group.moved);
    if (group.durationBucket !== null) {
      metrics.duration.add(process, group.durationBucket, group.runs, group.durationSum);
    }
    if (group.latenessBucket !== null) {
      metrics.lateness.add(process, group.latenessBucket, group.runs, group.latenessSum);
    }
    // Rows arrive in no particular order: the gauge keeps the latest.
    if (group.lastSuccess !== null && group.lastSuccess > (lastSuccess.get(process) ?? -Infinity)) {
      lastSuccess.set(process, group.lastSuccess);
      metrics.lastSuccess.set({ process }, group.lastSuccess);
    }
  }
}

export interface MetricsCollector {
  readonly contentType: string;
  /** Brings the metrics up to the database, then prints them in Prometheus's text format. */
  scrape(): Promise<string>;
}

/**
 * The API's /metrics, from the database alone (the execution rows, the day ledger and the outbox are
 * the truth; any number of API instances, restarted at any time, print the same counts). The first
 * scrape aggregates every closed row once; each later one reads only the rows closed since its floor
 * (closed-rows.ts), by the indexes of Migration20261202090000MetricsIndexes, so its cost follows the
 * rows that closed since, not the table. Scrapes run one at a time.
 */
export function createMetricsCollector(
  orm: Orm,
  { marginSeconds = FLOOR_MARGIN_SECONDS }: { readonly marginSeconds?: number } = {},
): MetricsCollector {
  const floorQuery = floorSql(marginSeconds);
  const registry = new Registry();
  const metrics = defineMetrics([registry]);
  const runState: RunState = { lastSuccess: new Map(), processes: new Set() };
  const windows = { runs: new ClosedRowWindow(), nominal: new ClosedRowWindow(), deliveries: new ClosedRowWindow() };
  let queue: Promise<unknown> = Promise.resolve();

  async function read(em: EntityManager): Promise<Reading> {
    const [row] = await em.execute<{ floor: string }[]>(floorQuery);
    const floor = row!.floor;
    const first = <T>(window: ClosedRowWindow, before: () => Promise<T[]>) =>
      window.start === undefined ? before() : Promise.resolve([]);
    // One connection: the statements run in turn, all in the transaction's snapshot.
    const runs = {
      before: await first(windows.runs, () => runsClosedBefore(em, floor)),
      since: await runsClosedSince(em, windows.runs.start ?? floor),
    };
    const nominal = {
      before: await first(windows.nominal, () => nominalTimesBefore(em, floor)),
      since: await nominalTimesSince(em, windows.nominal.start ?? floor),
    };
    const deliveries = {
      before: await first(windows.deliveries, () => deliveriesEndedBefore(em, floor)),
      since: await deliveriesEndedSince(em, windows.deliveries.start ?? floor),
    };
    return {
      floor,
      runs,
      nominal,
      deliveries,
      pending: await pendingDeliveries(em),
      processes: await processStates(em),
    };
  }

  function apply(reading: Reading): void {
    zeroScheduled(metrics, runState, reading.processes);
    applyRuns(metrics, runState, reading.runs.before);
    applyRuns(metrics, runState, windows.runs.admit(reading.runs.since, reading.floor));
    for (const group of [...reading.nominal.before, ...windows.nominal.admit(reading.nominal.since, reading.floor)]) {
      (group.outcome === 'skipped' ? metrics.skipped : metrics.missed).inc({ process: group.process }, group.count);
    }
    for (const group of [
      ...reading.deliveries.before,
      ...windows.deliveries.admit(reading.deliveries.since, reading.floor),
    ]) {
      metrics.deliveries.inc({ process: group.process, channel: group.channel, outcome: group.outcome }, group.count);
    }
    // Gauges of the present: replaced whole, so a process gone or a queue drained leaves no stale series.
    metrics.pending.reset();
    for (const { process, channel, count } of reading.pending) metrics.pending.set({ process, channel }, count);
    metrics.enabled.reset();
    for (const { process, triggerType, enabled } of reading.processes) {
      metrics.enabled.set({ process, trigger_type: triggerType }, enabled ? 1 : 0);
    }
  }

  async function sync(): Promise<void> {
    const reading = await orm.em
      .fork()
      .transactional((em) => read(em), { readOnly: true, isolationLevel: IsolationLevel.REPEATABLE_READ });
    apply(reading);
  }

  return {
    contentType: registry.contentType,
    async scrape() {
      const synced = queue.then(sync);
      queue = synced.catch(() => undefined);
      await synced;
      return Registry.merge([registry, histogramRegistry([metrics.duration, metrics.lateness])]).metrics();
    },
  };
}
