/**
 * A PostgreSQL array literal for a query parameter. Knex expands JS arrays in raw bindings into
 * comma lists, so arrays travel as one text value and are cast in SQL (`?::uuid[]`).
 */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}
