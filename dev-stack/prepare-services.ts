import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './load-config';

export interface TestServices {
  readonly databaseUrl: string;
  readonly temporalAddress: string;
}

const PREPARE_MODULE = path.join(REPO_ROOT, 'test', 'setup', 'prepare-services.ts');

/**
 * Runs prepareTestServices() from test/setup/prepare-services.ts (e.g. a migrated template
 * database) once, before jest, when that file exists. Loaded by path because it is optional.
 */
export async function prepareTestServicesIfPresent(services: TestServices): Promise<void> {
  if (!fs.existsSync(PREPARE_MODULE)) return;
  const loaded: unknown = await import(PREPARE_MODULE);
  const prepare = (loaded as { prepareTestServices?: unknown } | undefined)?.prepareTestServices;
  if (typeof prepare !== 'function') {
    throw new Error(`${path.relative(REPO_ROOT, PREPARE_MODULE)} must export a function prepareTestServices.`);
  }
  await (prepare as (services: TestServices) => unknown)(services);
}
