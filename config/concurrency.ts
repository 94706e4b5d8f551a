import { InvalidProcessConfigError, readInteger, readObject, rejectUnknownKeys } from './process-config';

/**
 * How many runs of a process may be in progress at once, and what a run that finds them all taken
 * does (issue 12, item 5), stored beside the registration (automated_process_registrations.concurrency
 * and .overlap), never in Behflow's process_config.
 */
export interface ProcessConcurrency {
  /** Runs in progress at once, per value of `key` (or for the whole process without one). */
  readonly limit: number;
  /** `event.data.<field>[.<field>…]`: runs whose events hold different values there do not share the limit. */
  readonly key?: string;
}

/**
 * skip: the run ends skipped, naming the one in progress (a scheduled run waits for it, as it always has);
 * buffer_one: it waits for a slot, one at most per process (and key): a second one is skipped;
 * cancel_other: the runs in progress (and any waiting before it) are cancelled, and it takes their slot.
 * Event runs are never dropped: under skip and buffer_one they wait too.
 */
export const OVERLAP_POLICIES = ['skip', 'buffer_one', 'cancel_other'] as const;
export type Overlap = (typeof OVERLAP_POLICIES)[number];

/** MAX_CONCURRENT_RUNS unless set: runs in progress at once across every process. */
export const DEFAULT_MAX_CONCURRENT_RUNS = 4;

export const DEFAULT_CONCURRENCY: ProcessConcurrency = { limit: 1 };
export const DEFAULT_OVERLAP: Overlap = 'skip';

const KEY = /^event\.data(\.[A-Za-z_][A-Za-z0-9_-]*){1,8}$/;
const KEY_RULE = 'must be a path into the event\'s data, "event.data.<field>" (fields of letters, digits, _ and -)';

export function parseConcurrency(raw: unknown, field = 'concurrency'): ProcessConcurrency {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InvalidProcessConfigError(field, 'must be an object like {"limit": 1, "key": "event.data.user_id"}');
  }
  const entry = readObject(raw, field);
  rejectUnknownKeys(entry, field, ['limit', 'key']);
  if (entry.limit === undefined) throw new InvalidProcessConfigError(`${field}.limit`, 'is required');
  const limit = readInteger(entry.limit, `${field}.limit`, 1, 1, 100);
  if (entry.key === undefined || entry.key === null) return { limit };
  if (typeof entry.key !== 'string' || !KEY.test(entry.key)) {
    throw new InvalidProcessConfigError(`${field}.key`, KEY_RULE);
  }
  return { limit, key: entry.key };
}

export function parseOverlap(raw: unknown, field = 'overlap'): Overlap {
  if (typeof raw !== 'string' || !(OVERLAP_POLICIES as readonly string[]).includes(raw)) {
    throw new InvalidProcessConfigError(field, `must be one of: ${OVERLAP_POLICIES.join(', ')}`);
  }
  return raw as Overlap;
}

/** As stored (null or anything a hand edit left): the defaults where it does not parse. */
export function storedConcurrency(raw: unknown): ProcessConcurrency {
  try {
    return raw === null || raw === undefined ? DEFAULT_CONCURRENCY : parseConcurrency(raw);
  } catch {
    return DEFAULT_CONCURRENCY;
  }
}

export function storedOverlap(raw: unknown): Overlap {
  return (OVERLAP_POLICIES as readonly unknown[]).includes(raw) ? (raw as Overlap) : DEFAULT_OVERLAP;
}

/**
 * The value of `key` in an event's data, as the text runs are grouped by; '' (the group of runs
 * without an event, and of events without the field) when there is no key or no such value.
 */
export function concurrencyKeyValue(key: string | undefined, data: Record<string, unknown> | undefined): string {
  if (key === undefined || data === undefined) return '';
  let value: unknown = data;
  for (const field of key.split('.').slice(2)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return '';
    value = (value as Record<string, unknown>)[field];
  }
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
