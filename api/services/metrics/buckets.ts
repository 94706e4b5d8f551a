/** Histogram upper bounds, in seconds. */
export const RUN_DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600] as const;
/** Schedule lateness: the goal is p99 under 1 s, the alert fires above 60 s. */
export const LATENESS_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600] as const;

/**
 * The index of the bucket `value` falls in as Prometheus counts it (the first bound it is at most;
 * bounds.length for +Inf) as SQL; NULL stays NULL. That index is the number of bounds below `value`.
 * width_bucket counts the thresholds at or below its operand, so it is given the negated value and the
 * negated bounds: one call per row, where a CASE over the bounds evaluated the value once per bound.
 */
export function bucketSql(value: string, bounds: readonly number[]): string {
  const negated = [...bounds].reverse().map((bound) => -bound);
  return `(${bounds.length} - width_bucket(-(${value})::float8, ARRAY[${negated.join(', ')}]::float8[]))`;
}
