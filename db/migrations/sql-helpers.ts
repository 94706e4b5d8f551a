/**
 * Idempotent DDL building blocks. The first migration must adopt Behflow's existing tables and
 * types as they are, so every statement checks before it creates and nothing is ever dropped.
 */

/**
 * One of Behflow's tables, with the enum types it uses, only where the table is missing: an adopted
 * database keeps its own types (create_all names them statusenum and so on), and none is added that no
 * table uses. `ddl` is PL/pgSQL statements: the CREATE TABLE and what belongs with it.
 */
export function createBehflowTableIfMissing(
  table: string,
  enums: readonly (readonly [name: string, values: readonly string[]])[],
  ddl: string,
): string {
  const types = enums
    .map(([name, values]) => {
      const list = values.map((v) => `'${v}'`).join(', ');
      return `    IF to_regtype('${name}') IS NULL THEN
      CREATE TYPE ${name} AS ENUM (${list});
    END IF;`;
    })
    .join('\n');
  return `DO $$ BEGIN
  IF to_regclass('${table}') IS NULL THEN
${types}
    ${ddl}
  END IF;
END $$;`;
}

/**
 * An index of this service's own: created when no index has its name; left as it is when one has,
 * with the same table, columns and (for a partial index) predicate; otherwise the migration fails saying what
 * holds the name, so a clash never silently leaves the index out. Columns and predicate as pg_get_indexdef
 * prints them (expressions included), since that is what an existing index is compared with.
 */
export function ensureOwnIndex(name: string, table: string, columns: string, where?: string): string {
  // As pg_get_indexdef prints it: a partial index's predicate in parentheses after WHERE.
  const wanted = `USING btree (${columns})${where === undefined ? '' : ` WHERE (${where})`}`;
  // An expression's literals ('-infinity'::…) inside the string literals below.
  const quoted = (text: string) => text.replace(/'/g, "''");
  return `DO $$
DECLARE existing text;
BEGIN
  IF to_regclass('${name}') IS NULL THEN
    CREATE INDEX ${name} ON ${table} (${columns})${where === undefined ? '' : ` WHERE ${where}`};
  ELSE
    SELECT pg_get_indexdef(i.indexrelid) INTO existing FROM pg_index i
     WHERE i.indexrelid = '${name}'::regclass AND i.indrelid = '${table}'::regclass;
    IF existing IS NULL OR right(existing, ${wanted.length}) <> '${quoted(wanted)}' THEN
      RAISE EXCEPTION 'index name ${name} is taken by %, not this service''s index on ${table} ${quoted(wanted)}',
        coalesce(existing, '${name}'::regclass::text || ' on another table or of another kind');
    END IF;
  END IF;
END $$;`;
}

export function addColumnIfMissing(table: string, column: string, definition: string): string {
  return `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} ${definition};`;
}
