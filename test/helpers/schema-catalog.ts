import type { Orm } from '../../db/orm';
import { sql } from './database';

/**
 * Everything of a schema a migration could add, change or drop, one line per object keyed by what it
 * is: types with their labels, columns with type, nullability and default, constraints and indexes
 * with their definitions.
 */
export async function schemaCatalog(orm: Orm): Promise<Map<string, string>> {
  const rows = await sql<{ key: string; definition: string }>(
    orm,
    `SELECT 'type ' || t.typname AS key,
            CASE t.typtype WHEN 'e' THEN 'enum (' || (SELECT string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder)
                                                       FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
                           ELSE t.typtype::text END AS definition
       FROM pg_type t
      WHERE t.typnamespace = current_schema()::regnamespace AND t.typtype IN ('e', 'd')
     UNION ALL
     SELECT 'column ' || c.table_name || '.' || c.column_name,
            format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END
              || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
       FROM information_schema.columns c
       JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_name))::regclass AND a.attname = c.column_name
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.table_schema = current_schema()
     UNION ALL
     SELECT 'constraint ' || conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid)
       FROM pg_constraint WHERE connamespace = current_schema()::regnamespace AND contype <> 'n'
     UNION ALL
     SELECT 'index ' || indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()`,
  );
  return new Map(rows.map((r) => [r.key, r.definition]));
}

export interface SchemaDiff {
  readonly added: string[];
  readonly changed: string[];
  readonly dropped: string[];
}

export function schemaDiff(before: Map<string, string>, after: Map<string, string>): SchemaDiff {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [key, definition] of after) {
    const was = before.get(key);
    if (was === undefined) added.push(`${key}: ${definition}`);
    else if (was !== definition) changed.push(`${key}: ${was} -> ${definition}`);
  }
  const dropped = [...before.keys()].filter((key) => !after.has(key));
  return { added: added.sort(), changed: changed.sort(), dropped: dropped.sort() };
}
