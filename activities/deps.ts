import type { Client } from '@temporalio/client';
import type { Orm } from '../db/orm';
import type { ChainSettings } from './chains/start';
import type { NotificationSettings } from './notifications/settings';

/** What the worker injects into every activity factory. */
export interface ActivityDeps {
  readonly orm: Orm;
  /** Used to tell a stale "running" row (its workflow is gone) from a live one. */
  readonly temporal?: Client;
  /** Rows per UPDATE statement; each batch commits on its own. */
  readonly batchSize: number;
  /** MAX_CONCURRENT_RUNS: runs in progress at once across every process; unset: the default (4). */
  readonly maxConcurrentRuns?: number;
  /** "Today" for processes without a schedule (manual only): BEHFLOW_TIMEZONE. Defaults to UTC. */
  readonly defaultTimezone?: string;
  /** The clock deciding whether a scheduled run's day has ended; tests set it. */
  readonly now?: () => number;
  /** How notifications are started and sent; absent: rows are queued and the worker's pass starts them. */
  readonly notifications?: NotificationSettings;
  /** Where chained runs start (the worker's task queue and registry); absent: no process is chained. */
  readonly chains?: ChainSettings;
}
