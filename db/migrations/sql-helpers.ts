/**
 * Idempotent DDL building blocks. The first migration must adopt Behflow's existing tables and
 * types as they are, so every statement checks before it creates and nothing is ever dropped.
 */

export function ensureEnumType(name: string, values: readonly string[]): string {
  const list = values.map((v) => `'${v}'`).join(', ');
  return `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '${name}' AND typnamespace = current_schema()::regnamespace) THEN
    CREATE TYPE ${name} AS ENUM (${list});
  END IF;
END $$;`;
}

/** An index on exactly this column, unless one exists already under any name (Behflow's may differ from ours). */
export function ensureIndexOn(table: string, column: string, indexName: string): string {
  return `DO $$ BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM pg_index i
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
    WHERE i.indrelid = '${table}'::regclass AND i.indnkeyatts = 1 AND a.attname = '${column}'
  ) THEN
    CREATE INDEX ${indexName} ON ${table} (${column});
  END IF;
END $$;`;
}

export function addColumnIfMissing(table: string, column: string, definition: string): string {
  return `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${column} ${definition};`;
}
