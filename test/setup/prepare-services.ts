import { ensureTemplateDatabase } from './template-database';

/** Called by scripts/test.ts once the stack is up: a fresh migrated template for this test run. */
export async function prepareTestServices({ databaseUrl }: { databaseUrl: string; temporalAddress: string }) {
  await ensureTemplateDatabase(databaseUrl, true);
}
