import { ensureTemplateDatabase } from './template-database';

/** Called by bin/test.ts once the stack is up: a fresh migrated template for this test run. */
export async function prepareTestServices({ databaseUrl }: { databaseUrl: string }): Promise<void> {
  await ensureTemplateDatabase(databaseUrl, true);
}
