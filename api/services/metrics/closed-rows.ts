/**
 * Which closed rows (a run's row with completed_at, a ledger row, a delivery that ended) a collector
 * has counted, so each is counted once however often it is read again.
 *
 * Each scrape reads the rows closed at or after the floor of the scrape before, and the floor only
 * rises. A row's closing time is its transaction's now() (its start), and that transaction may commit
 * long after: a scrape that reads only "closed since the last one" would skip a row that closed at T
 * but committed after a scrape that had already read past T. So the floor is the start of the oldest
 * transaction still open when the scrape reads (pg_stat_activity), less a margin (see floorSql): any
 * row that commits later has a closing time at or after it. Rows read again are told apart by id; ids
 * closed below the floor are forgotten, since no later scrape reads that far back.
 */
export interface ClosedRow {
  readonly id: string;
  /** As closedAtSql prints it: fixed-width UTC text, so text order is time order. */
  readonly closedAt: string;
}

export class ClosedRowWindow {
  private floor: string | undefined;
  private readonly seen = new Map<string, string>();

  /** Where the next read starts: undefined before the first one (which aggregates what lies below). */
  get start(): string | undefined {
    return this.floor;
  }

  /** How many counted rows are remembered (those closed at or after the floor). */
  get remembered(): number {
    return this.seen.size;
  }

  /** The rows of `rows` not counted before, now remembered as counted; then the floor rises to `floor`. */
  admit<R extends ClosedRow>(rows: readonly R[], floor: string): R[] {
    const fresh = rows.filter((row) => !this.seen.has(row.id));
    for (const row of fresh) this.seen.set(row.id, row.closedAt);
    if (this.floor === undefined || floor > this.floor) this.floor = floor;
    for (const [id, closedAt] of this.seen) if (closedAt < this.floor) this.seen.delete(id);
    return fresh;
  }
}

/** A timestamptz as fixed-width UTC text with microseconds: exact, and ordered as text. */
export function closedAtSql(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/**
 * How far behind now() the floor stays at least. The oldest open transaction (pg_stat_activity) covers
 * the rows it will commit; the margin covers what that view cannot show: a transaction that committed
 * between this scrape's snapshot and its read of the view, or one of another role whose start the
 * view hides. A row that commits more than this after its closing time, from such a transaction, is
 * counted only after a restart (which reads everything again).
 */
export const FLOOR_MARGIN_SECONDS = 60;

/** The floor of this scrape, as closedAtSql text; run first in the scrape's repeatable-read transaction. */
export function floorSql(marginSeconds: number = FLOOR_MARGIN_SECONDS): string {
  return `SELECT ${closedAtSql(
    `least(now() - make_interval(secs => ${Number(marginSeconds)}),
           (SELECT min(xact_start) FROM pg_stat_activity WHERE datname = current_database()))`,
  )} AS floor`;
}
