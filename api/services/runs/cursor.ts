import { badRequest, type ApiError } from '../../errors';

/**
 * Opaque page cursors: base64url of a few fields joined by "|". Decoding checks every field, so a
 * forged or truncated cursor is a 400 naming the field, never an SQL error.
 */
export function encodeCursor(fields: readonly string[]): string {
  return Buffer.from(fields.join('|'), 'utf8').toString('base64url');
}

export type FieldCheck = (field: string) => boolean;

export function decodeCursor(cursor: string, checks: readonly FieldCheck[], field = 'querystring.cursor'): string[] {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor(field);
  const fields = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (fields.length !== checks.length || !fields.every((f, i) => checks[i]?.(f))) throw invalidCursor(field);
  return fields;
}

function invalidCursor(field: string): ApiError {
  return badRequest(field, 'is not a cursor this API gave out: pass next_cursor of the previous page as it is');
}

export const isUuid: FieldCheck = (f) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(f);

/** started_at as PostgreSQL keeps it, to the microsecond, in UTC (a real instant); empty for none. */
export const isMicrosTimestampOrEmpty: FieldCheck = (f) => {
  if (f === '') return true;
  // PostgreSQL has no year 0.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(f) || f.startsWith('0000')) return false;
  const millis = `${f.slice(0, 23)}Z`;
  const parsed = Date.parse(millis);
  return !Number.isNaN(parsed) && new Date(parsed).toISOString() === millis;
};

const MAX_BIGINT = 9_223_372_036_854_775_807n;
/** A bigserial id: 1 up to PostgreSQL's bigint maximum. */
export const isBigserialId: FieldCheck = (f) => /^[1-9]\d{0,18}$/.test(f) && BigInt(f) <= MAX_BIGINT;
