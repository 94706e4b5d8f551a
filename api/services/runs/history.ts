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

/** started_at to the microsecond, in UTC: the cursor must not lose what ORDER BY sees. */
const STARTED_AT_KEY = `to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

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
  const after = query.cursor === undefined ? undefined : decodeExecutionCursor(query.cursor);
  const subject = await findHistorySubject(em, registry, name);

  const where = [`process_id IN (${subject.processIds.map(() => '?').join(', ')})`];
  const params: unknown[] = [...subject.processIds];
  if (query.status !== undefined) {
    where.push('status = ?');
    params.push(query.status);
  }
  if (from !== undefined) {
    where.push('started_at >= ?');
    params.push(new Date(from).toISOString());
  }
  if (to !== undefined) {
    where.push('started_at < ?');
    params.push(new Date(to).toISOString());
  }
  if (after?.startedAt === null) {
    where.push('started_at IS NULL AND execution_id < ?');
    params.push(after.executionId);
  } else if (after) {
    where.push(
      '(started_at < ?::timestamptz OR (started_at = ?::timestamptz AND execution_id < ?) OR started_at IS NULL)',
    );
    params.push(after.startedAt, after.startedAt, after.executionId);
  }
  const limit = pageSize(query.limit);
  params.push(limit + 1);
  const rows = await em.getConnection().execute<(Record<string, unknown> & { started_at_key: string | null })[]>(
    `SELECT *, ${STARTED_AT_KEY} AS started_at_key FROM automated_process_executions
      WHERE ${where.join(' AND ')}
      ORDER BY started_at DESC NULLS LAST, execution_id DESC
      LIMIT ?`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => rowToView(em, config, row, subject.name)),
    next_cursor:
      rows.length > limit && last ? encodeCursor([last.started_at_key ?? '', String(last.execution_id)]) : null,
  };
}

function decodeExecutionCursor(cursor: string): { startedAt: string | null; executionId: string } {
  const [startedAt = '', executionId = ''] = decodeCursor(cursor, [isMicrosTimestampOrEmpty, isUuid]);
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
  const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor, [isBigserialId])[0];
  const limit = pageSize(query.limit);
  await getExecutionView(em, config, executionId); // 404 for an unknown execution
  const rows = await em.getConnection().execute<TaskMoveRow[]>(
    `SELECT id, task_id, ${iso('old_due_gregorian')} AS old_due_gregorian,
            ${iso('new_due_gregorian')} AS new_due_gregorian, old_due_jalali, new_due_jalali,
            ${iso('moved_at')} AS moved_at
       FROM automated_process_task_moves
      WHERE execution_id = ? ${afterId === undefined ? '' : 'AND id > ?'}
      ORDER BY id
      LIMIT ?`,
    afterId === undefined ? [executionId, limit + 1] : [executionId, afterId, limit + 1],
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((m) => ({
      task_id: m.task_id,
      old_due_gregorian: m.old_due_gregorian,
      new_due_gregorian: m.new_due_gregorian,
      old_due_jalali: m.old_due_jalali,
      new_due_jalali: m.new_due_jalali,
      moved_at: m.moved_at,
    })),
    next_cursor: rows.length > limit && last ? encodeCursor([String(last.id)]) : null,
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
