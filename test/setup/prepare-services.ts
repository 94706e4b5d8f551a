import { BEHFLOW_FLAVOURS } from '../helpers/behflow-databases';
import { ensureTemplateDatabase } from './template-database';

/** Called by bin/test.ts once the stack is up: fresh migrated templates (one per jest project) for this test run. */
export async function prepareTestServices({ databaseUrl }: { databaseUrl: string }): Promise<void> {
  for (const flavour of ['new', ...BEHFLOW_FLAVOURS] as const) await ensureTemplateDatabase(databaseUrl, flavour, true);
}
