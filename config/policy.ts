import { InvalidProcessConfigError, readObject, rejectUnknownKeys } from './process-config';

/**
 * A process's policy for failure: retries and timeouts of its work, automatic reruns of a failed run,
 * and who is told. Stored in this service's own table (automated_process_registrations.policy), never
 * in Behflow's process_config. Defaults are the values every process had before policies existed.
 */
export interface RetryPolicy {
  readonly max_attempts: number;
  readonly initial_interval_seconds: number;
  readonly backoff: number;
  readonly max_interval_seconds: number;
}

export interface RerunPolicy {
  /** Automatic reruns of a failed run, for the same local day; 0: none. */
  readonly max_runs: number;
  readonly delay_minutes: number;
}

export interface TimeoutPolicy {
  /** The whole run: past it the run ends failed, "timed out after N s", its row closed. */
  readonly run_seconds: number;
  /** One attempt of the work activity (startToClose). */
  readonly activity_seconds: number;
  readonly heartbeat_seconds: number;
}

export const NOTIFY_EVENTS = ['failed', 'timed_out', 'recovered', 'skipped', 'missed', 'unusual'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

export type NotifyChannel =
  | { readonly on: readonly NotifyEvent[]; readonly webhook: { readonly url: string; readonly secret: string } }
  | { readonly on: readonly NotifyEvent[]; readonly slack: { readonly webhook_url: string } }
  | { readonly on: readonly NotifyEvent[]; readonly email: { readonly to: readonly string[] } };

export interface UnusualPolicy {
  /** A run that moved more tasks than this is unusual; null: no upper bound. */
  readonly max_moved: number | null;
}

export interface ProcessPolicy {
  readonly retry: RetryPolicy;
  readonly rerun_failed: RerunPolicy;
  readonly timeouts: TimeoutPolicy;
  readonly notify: readonly NotifyChannel[];
  readonly alert_after_consecutive_failures: number;
  readonly unusual: UnusualPolicy;
  /**
   * How many parts a run's work splits into, walked side by side (each its own activity and PostgreSQL
   * backend, on any worker); 1: one activity, as before; 'auto': as many as the run's overdue count
   * makes worth it (autoPartitions, activities/reschedule-remaining-tasks.ts). Only reschedule_remaining_tasks splits its work.
   */
  readonly partitions: number | typeof AUTO;
}

export const AUTO = 'auto';

/** At most this many partitions: past the cores of any PostgreSQL we expect, more only add contention. */
export const MAX_PARTITIONS = 16;

/** What a run's workflow needs of the policy, fixed when the run starts: no channel, so no secret. */
export interface RunPolicy {
  readonly retry: RetryPolicy;
  readonly rerun_failed: RerunPolicy;
  readonly timeouts: TimeoutPolicy;
  /**
   * Absent: 'auto' from the `auto-partitions` patch on, 1 in runs started before it (their workflow
   * code never split a run without a number).
   */
  readonly partitions?: number;
}

export const DEFAULT_POLICY: ProcessPolicy = {
  retry: { max_attempts: 5, initial_interval_seconds: 5, backoff: 2, max_interval_seconds: 120 },
  rerun_failed: { max_runs: 0, delay_minutes: 10 },
  timeouts: { run_seconds: 3600, activity_seconds: 1800, heartbeat_seconds: 60 },
  notify: [],
  alert_after_consecutive_failures: 1,
  unusual: { max_moved: null },
  // 'auto': the bench's partitioned runs beat one walk from a few batches per part (README, "Running at scale").
  partitions: AUTO,
};

export function runPolicyOf(policy: ProcessPolicy): RunPolicy {
  return {
    retry: policy.retry,
    rerun_failed: policy.rerun_failed,
    timeouts: policy.timeouts,
    // Left out at 'auto', so a default run's context is what it was before partitions.
    ...(policy.partitions === AUTO ? {} : { partitions: policy.partitions }),
  };
}

/** How a secret is shown: write-only. */
export const MASKED = '***';
const MAX_CHANNELS = 20;
const MAX_RECIPIENTS = 20;
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function integer(value: unknown, field: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidProcessConfigError(field, `must be an integer from ${min} to ${max}`);
  }
  return value;
}

function section(raw: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (raw !== undefined && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new InvalidProcessConfigError(field, 'must be a JSON object');
  }
  const value = readObject(raw, field);
  rejectUnknownKeys(value, field, allowed);
  return value;
}

function parseRetry(raw: unknown, field: string, base: RetryPolicy): RetryPolicy {
  const v = section(raw, field, Object.keys(base));
  const initial = integer(
    v.initial_interval_seconds,
    `${field}.initial_interval_seconds`,
    base.initial_interval_seconds,
    1,
    3600,
  );
  const backoff = v.backoff === undefined ? base.backoff : v.backoff;
  if (typeof backoff !== 'number' || !Number.isFinite(backoff) || backoff < 1 || backoff > 10) {
    throw new InvalidProcessConfigError(`${field}.backoff`, 'must be a number from 1 to 10');
  }
  const maxInterval = integer(
    v.max_interval_seconds,
    `${field}.max_interval_seconds`,
    base.max_interval_seconds,
    1,
    86_400,
  );
  if (maxInterval < initial) {
    throw new InvalidProcessConfigError(
      `${field}.max_interval_seconds`,
      `must be at least initial_interval_seconds (${initial})`,
    );
  }
  return {
    max_attempts: integer(v.max_attempts, `${field}.max_attempts`, base.max_attempts, 1, 100),
    initial_interval_seconds: initial,
    backoff,
    max_interval_seconds: maxInterval,
  };
}

function parseRerun(raw: unknown, field: string, base: RerunPolicy): RerunPolicy {
  const v = section(raw, field, Object.keys(base));
  return {
    max_runs: integer(v.max_runs, `${field}.max_runs`, base.max_runs, 0, 10),
    delay_minutes: integer(v.delay_minutes, `${field}.delay_minutes`, base.delay_minutes, 0, 1440),
  };
}

function parseTimeouts(raw: unknown, field: string, base: TimeoutPolicy): TimeoutPolicy {
  const v = section(raw, field, Object.keys(base));
  const run = integer(v.run_seconds, `${field}.run_seconds`, base.run_seconds, 5, 7 * 86_400);
  const activity = integer(
    v.activity_seconds,
    `${field}.activity_seconds`,
    Math.min(base.activity_seconds, run),
    5,
    run,
  );
  const heartbeat = integer(
    v.heartbeat_seconds,
    `${field}.heartbeat_seconds`,
    Math.min(base.heartbeat_seconds, activity),
    1,
    activity,
  );
  return { run_seconds: run, activity_seconds: activity, heartbeat_seconds: heartbeat };
}

function parseEvents(raw: unknown, field: string): NotifyEvent[] {
  if (
    !Array.isArray(raw) ||
    raw.length === 0 ||
    !raw.every((e): e is NotifyEvent => typeof e === 'string' && (NOTIFY_EVENTS as readonly string[]).includes(e))
  ) {
    throw new InvalidProcessConfigError(field, `must be a non-empty list of: ${NOTIFY_EVENTS.join(', ')}`);
  }
  return [...new Set(raw)];
}

/** https anywhere; plain http only to this machine (a receiver in development or a test). */
function parseUrl(raw: unknown, field: string): string {
  let url: URL | undefined;
  try {
    url = typeof raw === 'string' && raw.length <= 2000 ? new URL(raw) : undefined;
  } catch {
    url = undefined;
  }
  const allowed = url && (url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)));
  if (!url || !allowed || url.username || url.password) {
    throw new InvalidProcessConfigError(field, 'must be an https URL (http only to localhost), without credentials');
  }
  return url.toString();
}

function kept(raw: unknown, keptValue: string | undefined, field: string, rule: string): string {
  if (raw === undefined || raw === MASKED) {
    if (keptValue === undefined) throw new InvalidProcessConfigError(field, `is required: ${rule}`);
    return keptValue;
  }
  return raw as string;
}

function parseChannel(raw: unknown, field: string, stored: readonly NotifyChannel[]): NotifyChannel {
  const kinds = ['webhook', 'slack', 'email'] as const;
  const v = section(raw, field, ['on', ...kinds]);
  const present = kinds.filter((k) => v[k] !== undefined);
  if (present.length !== 1) {
    throw new InvalidProcessConfigError(field, 'must have exactly one of: webhook, slack, email (and "on")');
  }
  const on = parseEvents(v.on, `${field}.on`);
  const kind = present[0];
  if (kind === 'webhook') {
    const w = section(v.webhook, `${field}.webhook`, ['url', 'secret']);
    const url = parseUrl(w.url, `${field}.webhook.url`);
    // A secret left out (or sent back masked) is the stored one of the webhook with the same URL.
    const previous = stored.flatMap((c) => ('webhook' in c && c.webhook.url === url ? [c.webhook.secret] : []))[0];
    const secret = kept(
      w.secret,
      previous,
      `${field}.webhook.secret`,
      'the key that signs each delivery, 16 to 512 characters',
    );
    if (typeof secret !== 'string' || secret.length < 16 || secret.length > 512) {
      throw new InvalidProcessConfigError(`${field}.webhook.secret`, 'must be a string of 16 to 512 characters');
    }
    return { on, webhook: { url, secret } };
  }
  if (kind === 'slack') {
    const s = section(v.slack, `${field}.slack`, ['webhook_url']);
    // Slack's incoming-webhook URL is its secret: left out, it is the stored Slack channel's (the only one, or in order).
    const slacks = stored.flatMap((c) => ('slack' in c ? [c.slack.webhook_url] : []));
    const previous = slacks.length === 1 ? slacks[0] : undefined;
    const url = kept(s.webhook_url, previous, `${field}.slack.webhook_url`, "Slack's incoming-webhook URL");
    return { on, slack: { webhook_url: parseUrl(url, `${field}.slack.webhook_url`) } };
  }
  const e = section(v.email, `${field}.email`, ['to']);
  const to = e.to;
  if (
    !Array.isArray(to) ||
    to.length === 0 ||
    to.length > MAX_RECIPIENTS ||
    !to.every((a) => typeof a === 'string' && a.length <= 254 && EMAIL.test(a))
  ) {
    throw new InvalidProcessConfigError(
      `${field}.email.to`,
      `must be a list of 1 to ${MAX_RECIPIENTS} email addresses`,
    );
  }
  return { on, email: { to: [...new Set(to as string[])] } };
}

function parseUnusual(raw: unknown, field: string, base: UnusualPolicy): UnusualPolicy {
  const v = section(raw, field, ['max_moved']);
  if (v.max_moved === undefined) return base;
  if (v.max_moved === null) return { max_moved: null };
  return { max_moved: integer(v.max_moved, `${field}.max_moved`, 0, 0, 1_000_000_000) };
}

/**
 * A policy from a request (or the table), onto `base`: sections left out keep base's values, keys
 * left out within a section too; `notify`, when given, is the whole list. Throws
 * InvalidProcessConfigError naming the field (under `field`) and the rule.
 */
export function parsePolicy(raw: unknown, field = 'policy', base: ProcessPolicy = DEFAULT_POLICY): ProcessPolicy {
  const v = section(raw, field, [
    'retry',
    'rerun_failed',
    'timeouts',
    'notify',
    'alert_after_consecutive_failures',
    'unusual',
    'partitions',
  ]);
  let notify = base.notify;
  if (v.notify !== undefined) {
    if (!Array.isArray(v.notify) || v.notify.length > MAX_CHANNELS) {
      throw new InvalidProcessConfigError(`${field}.notify`, `must be a list of at most ${MAX_CHANNELS} channels`);
    }
    notify = v.notify.map((channel, i) => parseChannel(channel, `${field}.notify.${i}`, base.notify));
  }
  return {
    retry: parseRetry(v.retry, `${field}.retry`, base.retry),
    rerun_failed: parseRerun(v.rerun_failed, `${field}.rerun_failed`, base.rerun_failed),
    timeouts: parseTimeouts(v.timeouts, `${field}.timeouts`, base.timeouts),
    notify,
    alert_after_consecutive_failures: integer(
      v.alert_after_consecutive_failures,
      `${field}.alert_after_consecutive_failures`,
      base.alert_after_consecutive_failures,
      1,
      100,
    ),
    unusual: parseUnusual(v.unusual, `${field}.unusual`, base.unusual),
    partitions: parsePartitions(v.partitions, `${field}.partitions`, base.partitions),
  };
}

function parsePartitions(value: unknown, field: string, fallback: ProcessPolicy['partitions']) {
  if (value === AUTO) return AUTO;
  if (
    value === undefined ||
    (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_PARTITIONS)
  )
    return value ?? fallback;
  throw new InvalidProcessConfigError(field, `must be "auto" or an integer from 1 to ${MAX_PARTITIONS}`);
}

/** A stored policy (NULL: the defaults); one that no longer parses is the defaults too, never a failed run. */
export function storedPolicy(stored: unknown): ProcessPolicy {
  if (stored === null || stored === undefined) return DEFAULT_POLICY;
  try {
    return parsePolicy(stored, 'policy');
  } catch {
    return DEFAULT_POLICY;
  }
}

/** The policy as the API shows it: secrets write-only. */
export function maskedPolicy(policy: ProcessPolicy): ProcessPolicy {
  return {
    ...policy,
    notify: policy.notify.map((channel) => {
      if ('webhook' in channel) return { on: channel.on, webhook: { url: channel.webhook.url, secret: MASKED } };
      if ('slack' in channel) return { on: channel.on, slack: { webhook_url: MASKED } };
      return channel;
    }),
  };
}
