import type { EntityManager } from '@mikro-orm/postgresql';
import type { SharedConfig as Config } from '../../../config';
import type { ProcessDefinition } from '../../../processes/definition';
import { badRequest } from '../../errors';
import {
  DEFAULT_PAGE_SIZE,
  type ExecutionPage,
  type ExecutionsQuery,
  type TaskMovePage,
  type TaskMovesQuery,
} from '../../schemas/runs';
import { decodeCursor, encodeCursor, isBigserialId, isMicrosTimestampOrEmpty, isUuid } from './cursor';
import { findHistorySubject, getExecutionView, rowToView } from './executions';
import type { ExecutionView } from '../../schemas/execution';

/** started_at to the microsecond, in UTC: the cursor must not lose what ORDER BY sees. */
const STARTED_AT_KEY = `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** What a history listing keeps: status, trigger, and a started_at range (from inclusive, to exclusive). */
export interface ExecutionFilters {
  readonly status?: ExecutionsQuery['status'];
  readonly trigger?: ExecutionsQuery['trigger'];
  /** Epoch ms. */
  readonly from?: number;
  /** Epoch ms. */
  readonly to?: number;
}

/** Where a page starts: after a row (older), before a row (newer), or at the newest; and how many rows. */
export interface ExecutionPaging {
  readonly after?: string;
  readonly before?: string;
  readonly limit?: number;
  /** The fields a bad cursor is named by in the 400 (the JSON API's, or the console's). */
  readonly afterField?: string;
  readonly beforeField?: string;
}

export interface ExecutionHistoryPage {
  readonly items: ExecutionView[];
  /** The page of older rows, or null when this page is the oldest. */
  readonly olderCursor: string | null;
  /** The page of newer rows, or null when this page is the newest (known only when paging with a cursor). */
  readonly newerCursor: string | null;
}

/**
 * The order a history pages in: started_at, rows without one last (as -infinity), then execution_id; the
 * expression behflow_processes_executions_history_page indexes (Migration20261202070000ConsoleIndexes), so
 * a page, first or 50,000th, is one index range: (key, id) < the cursor's, read backwards for 21 rows.
 */
const SORT_KEY = `coalesce(started_at, '-infinity'::timestamptz)`;

/**
 * GET /processes/:name/executions: newest first (started_at DESC NULLS LAST, execution_id DESC),
 * keyset-paginated so a page never repeats or skips a row when runs are added meanwhile.
 */
export async function listExecutions(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  config: Config,
  name: string,
  query: ExecutionsQuery,
): Promise<ExecutionPage> {
  const from = query.from === undefined ? undefined : Date.parse(query.from);
  const to = query.to === undefined ? undefined : Date.parse(query.to);
  if (from !== undefined && to !== undefined && to <= from) {
    throw badRequest('querystring.to', 'must be after querystring.from');
  }
  const page = await executionHistory(
    em,
    registry,
    config,
    name,
    { status: query.status, trigger: query.trigger, from, to },
    { after: query.cursor, limit: query.limit },
  );
  return { items: page.items, next_cursor: page.olderCursor };
}

/**
 * One page of a process's executions, filtered, in either direction from a cursor (the console's
 * newer and older links; the JSON API pages older only). A page before a cursor is read in the
 * reverse order and turned round, so both directions are one keyset query.
 */
export async function executionHistory(
  em: EntityManager,
  registry: readonly ProcessDefinition[],
  config: Config,
  name: string,
  filters: ExecutionFilters,
  paging: ExecutionPaging,
): Promise<ExecutionHistoryPage> {
  const after =
    paging.after === undefined
      ? undefined
      : decodeExecutionCursor(paging.after, paging.afterField ?? 'querystring.cursor');
  const before =
    paging.before === undefined
      ? undefined
      : decodeExecutionCursor(paging.before, paging.beforeField ?? 'querystring.before');
  const subject = await findHistorySubject(em, registry, name);
  const limit = pageSize(paging.limit);

  const where = [`process_id IN (${subject.processIds.map(() => '?').join(', ')})`];
  const params: unknown[] = [...subject.processIds];
  if (filters.status !== undefined) {
    where.push('status = ?');
    params.push(filters.status);
  }
  if (filters.trigger !== undefined) {
    where.push('trigger = ?');
    params.push(filters.trigger);
  }
  // On the sort key, so that the bounds are the index range's; a bound is a real instant, so a row without
  // started_at (-infinity) is never at or after `from`, and is kept from before `to` by the IS NOT NULL.
  if (filters.from !== undefined) {
    where.push(`${SORT_KEY} >= ?::timestamptz`);
    params.push(new Date(filters.from).toISOString());
  }
  if (filters.to !== undefined) {
    where.push(`${SORT_KEY} < ?::timestamptz AND started_at IS NOT NULL`);
    params.push(new Date(filters.to).toISOString());
  }
  if (after) {
    where.push(`(${SORT_KEY}, execution_id) < (?::timestamptz, ?::uuid)`);
    params.push(after.startedAt ?? '-infinity', after.executionId);
  }
  if (before) {
    where.push(`(${SORT_KEY}, execution_id) > (?::timestamptz, ?::uuid)`);
    params.push(before.startedAt ?? '-infinity', before.executionId);
  }
  // Newer rows are read forwards from the cursor (the same index range), then put back newest first.
  const order = before ? `${SORT_KEY} ASC, execution_id ASC` : `${SORT_KEY} DESC, execution_id DESC`;
  params.push(limit + 1);
  const rows = await em.getConnection().execute<(Record<string, unknown> & { started_at_key: string | null })[]>(
    `SELECT *, ${STARTED_AT_KEY} AS started_at_key FROM automated_process_executions
      WHERE ${where.join(' AND ')}
      ORDER BY ${order}
      LIMIT ?`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (before) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const cursorOf = (row: (typeof rows)[number]) => encodeCursor([row.started_at_key ?? '', String(row.execution_id)]);
  // Past a cursor there is always the cursor's own row the other way.
  const olderExists = before ? page.length > 0 : more;
  const newerExists = before ? more : after !== undefined;
  return {
    items: page.map((row) => rowToView(em, config, row, subject.name)),
    olderCursor: olderExists && last ? cursorOf(last) : null,
    newerCursor: newerExists && first ? cursorOf(first) : null,
  };
}

function decodeExecutionCursor(cursor: string, field: string): { startedAt: string | null; executionId: string } {
  const [startedAt = '', executionId = ''] = decodeCursor(cursor, [isMicrosTimestampOrEmpty, isUuid], field);
  return { startedAt: startedAt === '' ? null : startedAt, executionId };
}

interface TaskMoveRow {
  id: string;
  task_id: string;
  old_due_gregorian: string | null;
  new_due_gregorian: string;
  old_due_jalali: string | null;
  new_due_jalali: string;
  moved_at: string;
}

const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** GET /executions/:id/tasks: the audit rows of the tasks the run moved, in the order it moved them. */
export async function listTaskMoves(
  em: EntityManager,
  config: Config,
  executionId: string,
  query: TaskMovesQuery,
): Promise<TaskMovePage> {
  const after = query.cursor === undefined ? undefined : decodeTaskMoveCursor(query.cursor, 'querystring.cursor');
  const limit = pageSize(query.limit);
  await getExecutionView(em, config, executionId); // 404 for an unknown execution
  const { items, next_cursor } = await readTaskMoves(em, executionId, { limit, after });
  return { items, next_cursor };
}

/** A task-move page cursor's audit row id (400 naming `field` for anything this API did not give out). */
export function decodeTaskMoveCursor(cursor: string, field: string): string {
  return decodeCursor(cursor, [isBigserialId], field)[0] ?? '';
}

/** A page of an execution's audit rows, either way from a cursor: the JSON API's and the console's. */
export interface TaskMoveWindow {
  readonly items: TaskMovePage['items'];
  /** The rows after this page's last; null when it is the last page. */
  readonly next_cursor: string | null;
  /** The rows before this page's first; null on the first page. */
  readonly previous_cursor: string | null;
}

/**
 * One query, keyset on the audit row id: `after` reads forward from a row, `before` reads backward
 * (newest first, then put back in order), neither the first page. The caller has checked the execution.
 */
export async function readTaskMoves(
  em: EntityManager,
  executionId: string,
  page: { readonly limit: number; readonly after?: string; readonly before?: string },
): Promise<TaskMoveWindow> {
  const { limit, after, before } = page;
  const backward = before !== undefined;
  const from = backward ? before : after;
  const rows = await em.getConnection().execute<TaskMoveRow[]>(
    `SELECT id, task_id, ${iso('old_due_gregorian')} AS old_due_gregorian,
            ${iso('new_due_gregorian')} AS new_due_gregorian, old_due_jalali, new_due_jalali,
            ${iso('moved_at')} AS moved_at
       FROM automated_process_task_moves
      WHERE execution_id = ? ${from === undefined ? '' : backward ? 'AND id < ?' : 'AND id > ?'}
      ORDER BY id ${backward ? 'DESC' : ''}
      LIMIT ?`,
    from === undefined ? [executionId, limit + 1] : [executionId, from, limit + 1],
  );
  const more = rows.length > limit;
  const pageRows = backward ? rows.slice(0, limit).reverse() : rows.slice(0, limit);
  const first = pageRows[0];
  const last = pageRows[pageRows.length - 1];
  // Read forward from a cursor, there are rows before it; read backward, there are rows after it.
  const hasNext = backward ? true : more;
  const hasPrevious = backward ? more : after !== undefined;
  return {
    items: pageRows.map((m) => ({
      task_id: m.task_id,
      old_due_gregorian: m.old_due_gregorian,
      new_due_gregorian: m.new_due_gregorian,
      old_due_jalali: m.old_due_jalali,
      new_due_jalali: m.new_due_jalali,
      moved_at: m.moved_at,
    })),
    next_cursor: hasNext && last ? encodeCursor([String(last.id)]) : null,
    previous_cursor: hasPrevious && first ? encodeCursor([String(first.id)]) : null,
  };
}

/** The validator coerces "1e309" to Infinity and lets it by; the page size is bounded here too. */
function pageSize(limit: number | undefined): number {
  return limit !== undefined && Number.isInteger(limit) && limit >= 1 && limit <= 100
    ? limit
    : limit === undefined
      ? DEFAULT_PAGE_SIZE
      : invalidLimit();
}

function invalidLimit(): never {
  throw badRequest('querystring.limit', 'must be a whole number from 1 to 100');
}
