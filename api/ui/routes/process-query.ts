import { Type, type Static } from '@sinclair/typebox';
import { badRequest } from '../../errors';
import { RUN_TRIGGERS, type ExecutionsQuery } from '../../schemas/runs';
import type { ExecutionFilters, ExecutionPaging } from '../../services/runs/history';
import { STATS_WINDOWS, type StatsWindow } from '../../services/runs/daily-stats';
import { addDays, parseLocalDate } from '../../../time/local-date';
import { startOfDay } from '../../../time/wall-time';

/**
 * GET /ui/processes/:name's query: a GET form's fields (an empty field is no filter) and the paging
 * links' cursors. Every value is a string here, checked below, so a bad one is a 400 page naming the
 * field rather than a validator's path.
 */
const Field = Type.Optional(Type.String({ maxLength: 200 }));
export const ProcessPageQuery = Type.Object({
  status: Field,
  trigger: Field,
  from: Field,
  to: Field,
  cursor: Field,
  before: Field,
  days: Field,
});
export type ProcessPageQuery = Static<typeof ProcessPageQuery>;

export const EXECUTION_STATUSES = ['pending', 'running', 'completed', 'failed', 'disabled'] as const;
export { RUN_TRIGGERS };

/** The filters as the form shows them again (dates as typed, YYYY-MM-DD in the process zone). */
export interface HistoryForm {
  readonly status: string;
  readonly trigger: string;
  readonly from: string;
  readonly to: string;
  readonly days: StatsWindow;
}

export interface ParsedHistoryQuery {
  readonly form: HistoryForm;
  readonly filters: ExecutionFilters;
  readonly paging: ExecutionPaging;
}

function oneOf<T extends string>(value: string, field: string, allowed: readonly T[]): T | undefined {
  if (value === '') return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw badRequest(field, `must be one of ${allowed.join(', ')} (or empty for any)`);
}

/** Epoch ms at which local date `text` begins in `zone`, `plusDays` days later. */
function dayStart(text: string, field: string, zone: string, plusDays: number): number | undefined {
  if (text === '') return undefined;
  let date;
  try {
    date = parseLocalDate(text);
  } catch {
    throw badRequest(field, 'must be a date, YYYY-MM-DD (in the process zone)');
  }
  if (date.year < 1) throw badRequest(field, 'must be a date, YYYY-MM-DD (in the process zone)');
  return startOfDay(zone, addDays(date, plusDays));
}

export function parseHistoryQuery(query: ProcessPageQuery, zone: string, pageSize: number): ParsedHistoryQuery {
  const text = (value: string | undefined) => (value ?? '').trim();
  const status = oneOf(text(query.status), 'status', EXECUTION_STATUSES) as ExecutionsQuery['status'];
  const trigger = oneOf(text(query.trigger), 'trigger', RUN_TRIGGERS);
  const from = dayStart(text(query.from), 'from', zone, 0);
  // "to" names the last day shown: the range ends where the next day begins.
  const to = dayStart(text(query.to), 'to', zone, 1);
  if (from !== undefined && to !== undefined && to <= from) throw badRequest('to', 'must be on or after from');
  const daysText = text(query.days);
  const days = daysText === '' ? STATS_WINDOWS[0] : STATS_WINDOWS.find((w) => String(w) === daysText);
  if (days === undefined) throw badRequest('days', `must be ${STATS_WINDOWS.join(' or ')}`);
  const cursor = text(query.cursor);
  const before = text(query.before);
  if (cursor !== '' && before !== '') throw badRequest('before', 'cannot be given with cursor');
  return {
    form: {
      status: status ?? '',
      trigger: trigger ?? '',
      from: text(query.from),
      to: text(query.to),
      days,
    },
    filters: { status, trigger, from, to },
    paging: {
      after: cursor === '' ? undefined : cursor,
      before: before === '' ? undefined : before,
      limit: pageSize,
      afterField: 'cursor',
      beforeField: 'before',
    },
  };
}
