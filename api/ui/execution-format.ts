/** Pure text for the execution page: durations, lateness, and a run's result as label/value pairs. */

/** "850 ms", "12.4 s", "3 min 4 s", "2 h 5 min", "1 d 3 h": two units at most, rounded down. */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 60_000) return `${(Math.floor(abs / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(abs / 1000);
  const units: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor(seconds / 3600) % 24, 'h'],
    [Math.floor(seconds / 60) % 60, 'min'],
    [seconds % 60, 's'],
  ];
  const firstNonZero = units.findIndex(([n]) => n > 0);
  return units
    .slice(firstNonZero, firstNonZero + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n} ${unit}`)
    .join(' ');
}

/**
 * How late a run started after its nominal (logical) time: "on time" within a second, else
 * "12.4 s late" or, for a run that started before its nominal time (a backfill of a future slot, a
 * clock skew), "3 s early". Null when either time is unknown.
 */
export function lateness(nominal: string | null, started: string | null): string | null {
  if (nominal === null || started === null) return null;
  const ms = Date.parse(started) - Date.parse(nominal);
  if (Number.isNaN(ms)) return null;
  if (Math.abs(ms) < 1000) return 'on time';
  return `${formatDuration(ms)} ${ms > 0 ? 'late' : 'early'}`;
}

/** "+1.2 s" after `from`: where a batch sits in the run. */
export function offsetFrom(from: string | null, at: string): string | null {
  if (from === null) return null;
  const ms = Date.parse(at) - Date.parse(from);
  return Number.isNaN(ms) ? null : `${ms < 0 ? '−' : '+'}${formatDuration(ms)}`;
}

/** "tasks_found" → "Tasks found". */
export function humanizeKey(key: string): string {
  const words = key.replace(/_/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A result value as text: yes/no, grouped numbers, lists counted, objects as compact JSON. */
export function readableValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return value.toLocaleString('en-US');
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.length === 1 ? '1 entry' : `${value.length} entries`;
  return JSON.stringify(value);
}

export interface ResultEntry {
  readonly key: string;
  readonly label: string;
  readonly value: string;
}

/** Keys whose list the page shows better elsewhere: the moved tasks' sample is the tasks table. */
const SHOWN_AS_TASKS = new Set(['task_details']);

/** A run's result JSON as label/value pairs, in its own key order. */
export function resultEntries(result: Record<string, unknown>): ResultEntry[] {
  return Object.entries(result).map(([key, value]) => ({
    key,
    label: humanizeKey(key),
    value:
      SHOWN_AS_TASKS.has(key) && Array.isArray(value)
        ? `${readableValue(value)} (a sample; every task is under Tasks moved)`
        : readableValue(value),
  }));
}

/** Behflow's Jalali "1405-09-10T09:00:00" as "1405-09-10 09:00:00". */
export function jalaliText(jalali: string): string {
  return jalali.replace('T', ' ');
}
