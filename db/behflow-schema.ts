import type { Orm } from './orm';

/**
 * What this service needs of Behflow's columns, whichever way Behflow built them: its SQL migrations
 * (status_enum …, jsonb, text[]) or init_db.py's create_all (statusenum …, json, varchar[]). Queries
 * never name a Behflow type (their parameters take the column's own), so only the values matter.
 */
const NEEDED_LABELS: Record<string, readonly string[]> = {
  'tasks.status': ['pending', 'in_progress', 'completed'],
  'automated_processes.trigger_type': ['manual', 'time_based'],
  'automated_process_executions.status': ['running', 'completed', 'failed'],
};
const JSON_COLUMNS = [
  'automated_processes.schedule_config',
  'automated_processes.process_config',
  'automated_process_executions.result',
];
const TAGS = 'tasks.tags';

interface ColumnRow {
  readonly column: string;
  readonly type: string;
  readonly labels: string[] | null;
}

export class BehflowSchemaError extends Error {}

/**
 * Reads Behflow's column types from the catalog and checks them; returns one line saying what it
 * found, for the start-up log. Throws BehflowSchemaError naming the column when one cannot be used.
 */
export async function checkBehflowSchema(orm: Orm): Promise<string> {
  const wanted = [...Object.keys(NEEDED_LABELS), ...JSON_COLUMNS, TAGS];
  const rows = await orm.em.getConnection().execute<ColumnRow[]>(
    `SELECT c.relname || '.' || a.attname AS column, format_type(a.atttypid, NULL) AS type,
            (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = a.atttypid) AS labels
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace = current_schema()::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname || '.' || a.attname = ANY(?::text[])`,
    [`{${wanted.join(',')}}`],
  );
  const byColumn = new Map(rows.map((row) => [row.column, row]));
  const column = (name: string): ColumnRow => {
    const row = byColumn.get(name);
    if (!row) throw new BehflowSchemaError(`Behflow's database has no column ${name}`);
    return row;
  };

  const enums: string[] = [];
  for (const [name, needed] of Object.entries(NEEDED_LABELS)) {
    const { type, labels } = column(name);
    if (labels) {
      const missing = needed.filter((label) => !labels.includes(label));
      if (missing.length > 0) {
        throw new BehflowSchemaError(
          `Behflow's column ${name} (enum ${type}) lacks the value(s) ${missing.join(', ')} that this service uses`,
        );
      }
      enums.push(type);
    } else if (!['text', 'character varying'].includes(type)) {
      throw new BehflowSchemaError(`Behflow's column ${name} is ${type}; this service needs an enum or text`);
    }
  }
  const jsonTypes = new Set(
    JSON_COLUMNS.map((name) => {
      const { type } = column(name);
      if (type !== 'json' && type !== 'jsonb')
        throw new BehflowSchemaError(`Behflow's column ${name} is ${type}, not json or jsonb`);
      return type;
    }),
  );
  const tags = column(TAGS).type;
  if (!['text[]', 'character varying[]'].includes(tags)) {
    throw new BehflowSchemaError(`Behflow's column ${TAGS} is ${tags}, not a text or varchar array`);
  }
  return `Behflow's tables: enum types ${enums.join(', ')}; schedule_config, process_config and result ${[...jsonTypes].join(' and ')}; tags ${tags}`;
}
