import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The two ways Behflow builds its database (test/fixtures/behflow-databases), and 'new': an empty
 * database where this service's first migration creates Behflow's tables.
 */
export const BEHFLOW_FLAVOURS = ['sql-migrations', 'create-all'] as const;
export type BehflowFlavour = (typeof BEHFLOW_FLAVOURS)[number];
export type DatabaseFlavour = 'new' | BehflowFlavour;

const FIXTURES = path.join(__dirname, '../fixtures/behflow-databases');

/** Behflow's schema as that flavour builds it, without rows. */
export function behflowSchema(flavour: BehflowFlavour): string {
  return readFileSync(path.join(FIXTURES, `${flavour}.sql`), 'utf8');
}

/** Behflow's data (a user, a task, its reschedule process and old executions), loadable into either flavour. */
export const BEHFLOW_ROWS = readFileSync(path.join(FIXTURES, 'rows.sql'), 'utf8');

/** The flavour this test file's databases start from: jest's global BEHFLOW_TEST_DATABASE, set per project. */
export function testRunFlavour(): DatabaseFlavour {
  const flavour = (globalThis as { BEHFLOW_TEST_DATABASE?: string }).BEHFLOW_TEST_DATABASE ?? 'new';
  if (flavour === 'new' || (BEHFLOW_FLAVOURS as readonly string[]).includes(flavour)) return flavour as DatabaseFlavour;
  throw new Error(`BEHFLOW_TEST_DATABASE must be one of new, ${BEHFLOW_FLAVOURS.join(', ')}; got "${flavour}"`);
}
